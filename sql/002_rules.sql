-- 002_rules: the configuration of automation rules.
--
-- rules              what fires a rule (trigger_type with its sensor or cron
--                    schedule) and the limits the gate applies to it
--                    (cool-off, daily cap, timeout).  occupancy_min_minutes
--                    NULL means "no occupancy_config".  A webhook secret is
--                    kept only as its SHA-256, with the time it was made; the
--                    CHECK keeps the two together.  last_skip_reason is
--                    written by the engine: it sets updated_at = updated_at
--                    so a skipped run does not look like an edit.
-- rule_steps         the pipeline, run in step_order (1..n, no gaps).
--                    next_step_on_true/false jump to another step of the
--                    same rule (the store checks "same rule"; the foreign key
--                    clears a jump when its target is deleted).
-- rule_contexts      filters ANDed across types, ORed within a type.
-- rule_dependencies  "run only if parent_rule_id completed within
--                    lookback_minutes"; one row per (rule, parent) pair.
--
-- Deleting: a rule goes with its steps, contexts and its own dependencies
-- (CASCADE), but not while another rule depends on it, and a sensor goes
-- not while a rule uses it as primary sensor (RESTRICT: the API answers 409
-- and nothing is left dangling).
--
-- step_order is UNIQUE per rule, so no interleaving of writers can ever
-- leave two steps in one position: the store serialises adds on the rule
-- row (SELECT ... FOR UPDATE) and the index is the backstop.  Renumbering
-- under a unique key needs care, because InnoDB checks it row by row rather
-- than at the end of the statement: closing a gap moves rows down in
-- ascending order (UPDATE ... ORDER BY step_order), and a reorder first
-- negates every position of the rule, then writes the new ones.  Negative
-- positions exist only inside that transaction, hence a signed INT.
--
-- Counters (minutes, caps) are BIGINT UNSIGNED: the API accepts any
-- integer >= 0, and the column must never be what refuses one.
--
-- Conventions as in 001: InnoDB, utf8mb4, names utf8mb4_nopad_bin, times
-- DATETIME(3) in UTC, JSON columns checked with JSON_VALID, IF NOT EXISTS so
-- that a run cut short can be repeated.

CREATE TABLE IF NOT EXISTS rules (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	enabled BOOL NOT NULL DEFAULT TRUE,
	trigger_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'sensor_event',
	primary_sensor_id BIGINT UNSIGNED NULL,
	schedule_cron VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	cool_off_minutes BIGINT UNSIGNED NOT NULL DEFAULT 5,
	max_daily_triggers BIGINT UNSIGNED NOT NULL DEFAULT 3,
	execution_timeout_minutes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	occupancy_min_minutes BIGINT UNSIGNED NULL,
	webhook_secret_hash BINARY(32) NULL,
	webhook_secret_created_at DATETIME(3) NULL,
	last_skip_reason VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY rules_name (name),
	-- The engine's lookups: "enabled rules of this trigger type" and
	-- "rules whose primary sensor this is" (also the foreign key's index).
	KEY rules_trigger (trigger_type, enabled),
	KEY rules_sensor (primary_sensor_id),
	CONSTRAINT rules_webhook_secret CHECK
		((webhook_secret_hash IS NULL) = (webhook_secret_created_at IS NULL)),
	CONSTRAINT rules_sensor_fk FOREIGN KEY (primary_sensor_id) REFERENCES sensors (id)
		ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rule_steps (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	rule_id BIGINT UNSIGNED NOT NULL,
	step_order INT NOT NULL,
	step_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	label VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	config JSON NOT NULL CHECK (JSON_VALID(config)),
	enabled BOOL NOT NULL DEFAULT TRUE,
	next_step_on_true BIGINT UNSIGNED NULL,
	next_step_on_false BIGINT UNSIGNED NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY rule_steps_order (rule_id, step_order),
	KEY rule_steps_on_true (next_step_on_true),
	KEY rule_steps_on_false (next_step_on_false),
	CONSTRAINT rule_steps_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE CASCADE,
	CONSTRAINT rule_steps_on_true_fk FOREIGN KEY (next_step_on_true) REFERENCES rule_steps (id)
		ON DELETE SET NULL,
	CONSTRAINT rule_steps_on_false_fk FOREIGN KEY (next_step_on_false) REFERENCES rule_steps (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rule_contexts (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	rule_id BIGINT UNSIGNED NOT NULL,
	context_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	config JSON NOT NULL CHECK (JSON_VALID(config)),
	negate BOOL NOT NULL DEFAULT FALSE,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY rule_contexts_rule (rule_id),
	CONSTRAINT rule_contexts_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- KEY (parent_rule_id) answers "who depends on this rule?" (delete refusal)
-- and is the RESTRICT key's index; the UNIQUE key serves the walk upwards.
CREATE TABLE IF NOT EXISTS rule_dependencies (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	rule_id BIGINT UNSIGNED NOT NULL,
	parent_rule_id BIGINT UNSIGNED NOT NULL,
	lookback_minutes BIGINT UNSIGNED NOT NULL DEFAULT 30,
	require_success BOOL NOT NULL DEFAULT TRUE,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY rule_dependencies_pair (rule_id, parent_rule_id),
	KEY rule_dependencies_parent (parent_rule_id),
	CONSTRAINT rule_dependencies_not_self CHECK (rule_id <> parent_rule_id),
	CONSTRAINT rule_dependencies_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE CASCADE,
	CONSTRAINT rule_dependencies_parent_fk FOREIGN KEY (parent_rule_id) REFERENCES rules (id)
		ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
