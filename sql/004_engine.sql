-- 004_engine: what the rules engine runs and what its runs leave behind.
--
-- workflow_executions  one row per run of a rule's pipeline.  status moves
--                      running -> (waiting <-> running) -> completed |
--                      failed | cancelled, always by a conditional UPDATE
--                      (WHERE status = the expected one), so a cancel, a
--                      resume and a reaper can race without a run being
--                      resumed twice or revived after it ended.
--                      A running row carries its owner ("host:pid") and a
--                      lease: the scheduler fails a run whose owner died or
--                      whose lease ran out, and re-runs one that never got to
--                      its first step (steps_started = 0), which is safe
--                      because nothing of it has happened yet.
--                      current_step_id is the step a waiting run sits on;
--                      it resumes with the steps after it.  active_ms is
--                      the time spent running (not waiting), for
--                      execution_timeout_minutes.  rule_name is kept so
--                      the history still reads after the rule is deleted
--                      (rule_id then becomes NULL and a waiting run fails
--                      when it would resume).
-- event_logs           kind rule_run: one row per run (status processing ->
--                      completed | ignored | failed) holding the final
--                      pipeline_data, plus one per gate refusal (ignored,
--                      with the reason).  Refusals of the same rule for the
--                      same reason in a row share one row: repeat_count
--                      counts them and last_at moves, so a presence sensor
--                      that fires every few seconds does not bury the log.
--                      The gate counts `completed` rows (and `processing`
--                      ones, which may still complete) per rule by time:
--                      KEY (rule_id, status, created_at).
-- rules.last_counted_at  when the rule's newest counted run (log completed or
--                      still processing) began, and day_count how many began
--                      since day_start (the hub's local midnight, in UTC):
--                      what the gate's cool-off and daily cap read for every
--                      offer without touching event_logs.
--                      Set under the rule's lock when a run is created,
--                      recomputed from event_logs when a run ends without
--                      counting; the locked re-check of the gate reads
--                      event_logs itself, so the column only ever decides
--                      a refusal, never a run.
-- rule_fires           every scheduled instant claimed by the scheduler,
--                      PRIMARY KEY (rule_id, due_at): two ticks or two hosts
--                      can never both fire one instant.  kind cron (due_at =
--                      the cron instant) or occupancy (due_at = when the
--                      occupied stretch began: once per stretch).
-- interactive_responses  one answer per (execution, step); later ones are
--                      refused by the key.
-- alerts, alert_actions  raised by notification steps (emergency, warning)
--                      and acted on by people (dismiss, assist).
-- prompts              what the dashboard shows as a pop-up: notifications
--                      on the pwa_popup_text channel and interactive prompts.
-- activities           person activities recorded by activity steps and by
--                      closed sessions.
-- activity_sessions    an open session per (person, activity type) at most:
--                      open_key is set only while open, and UNIQUE.
-- daily_reports        one per (person, date), rewritten when re-run.
--
-- Conventions as in 001: InnoDB, utf8mb4, names utf8mb4_nopad_bin, times
-- DATETIME(3) in UTC, JSON columns checked with JSON_VALID, IF NOT EXISTS so
-- that a run cut short can be repeated.

ALTER TABLE rules
	ADD COLUMN IF NOT EXISTS next_fire_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS last_skip_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS last_skip_log_id BIGINT UNSIGNED NULL,
	ADD COLUMN IF NOT EXISTS last_counted_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS day_start DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS day_count INT UNSIGNED NOT NULL DEFAULT 0,
	ADD KEY IF NOT EXISTS rules_due (trigger_type, enabled, next_fire_at);

CREATE TABLE IF NOT EXISTS workflow_executions (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	rule_id BIGINT UNSIGNED NULL,
	rule_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	trigger_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	status VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'running',
	pipeline_data JSON NOT NULL CHECK (JSON_VALID(pipeline_data)),
	current_step_id BIGINT UNSIGNED NULL,
	waiting_for VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	resume_at DATETIME(3) NULL,
	owner VARCHAR(96) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	lease_until DATETIME(3) NULL,
	steps_started INT UNSIGNED NOT NULL DEFAULT 0,
	active_ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
	counted BOOL NOT NULL DEFAULT FALSE,
	error VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	event_log_id BIGINT UNSIGNED NULL,
	started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	finished_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	KEY workflow_executions_resume (status, resume_at),
	KEY workflow_executions_lease (status, lease_until),
	KEY workflow_executions_rule (rule_id, id),
	CONSTRAINT workflow_executions_status CHECK
		(status IN ('running', 'waiting', 'completed', 'failed', 'cancelled')),
	CONSTRAINT workflow_executions_waiting_for CHECK
		(waiting_for IS NULL OR waiting_for IN ('wait', 'prompt')),
	CONSTRAINT workflow_executions_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS event_logs (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	kind VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'rule_run',
	rule_id BIGINT UNSIGNED NULL,
	rule_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	execution_id BIGINT UNSIGNED NULL,
	trigger_type VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	status VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	reason VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	repeat_count INT UNSIGNED NOT NULL DEFAULT 1,
	pipeline_data JSON NULL CHECK (pipeline_data IS NULL OR JSON_VALID(pipeline_data)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	finished_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	KEY event_logs_gate (rule_id, status, created_at),
	KEY event_logs_name (rule_name, id),
	KEY event_logs_created (created_at),
	CONSTRAINT event_logs_status CHECK
		(status IN ('processing', 'completed', 'ignored', 'failed')),
	CONSTRAINT event_logs_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rule_fires (
	rule_id BIGINT UNSIGNED NOT NULL,
	due_at DATETIME(3) NOT NULL,
	kind VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	outcome VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	execution_id BIGINT UNSIGNED NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (rule_id, due_at),
	CONSTRAINT rule_fires_kind CHECK (kind IN ('cron', 'occupancy')),
	CONSTRAINT rule_fires_outcome CHECK (outcome IN ('fired', 'missed', 'skipped')),
	CONSTRAINT rule_fires_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS interactive_responses (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	execution_id BIGINT UNSIGNED NOT NULL,
	step_id BIGINT UNSIGNED NOT NULL,
	channel VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	action VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	raw_response JSON NOT NULL CHECK (JSON_VALID(raw_response)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY interactive_responses_once (execution_id, step_id),
	CONSTRAINT interactive_responses_channel CHECK
		(channel IN ('pwa_popup_text', 'pwa_realtime_ai', 'timeout')),
	CONSTRAINT interactive_responses_action CHECK (action IN ('escalate', 'dismiss')),
	CONSTRAINT interactive_responses_execution_fk FOREIGN KEY (execution_id)
		REFERENCES workflow_executions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS alerts (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	rule_id BIGINT UNSIGNED NULL,
	execution_id BIGINT UNSIGNED NULL,
	alert_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'rule',
	alert_level VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	title VARCHAR(256) NOT NULL,
	message TEXT NOT NULL,
	room_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	person_id BIGINT UNSIGNED NULL,
	resolved BOOL NOT NULL DEFAULT FALSE,
	resolution VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	resolved_at DATETIME(3) NULL,
	escalated_at DATETIME(3) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY alerts_resolved (resolved, id),
	KEY alerts_rule (rule_id),
	CONSTRAINT alerts_level CHECK (alert_level IN ('emergency', 'warning', 'info', 'reminder')),
	CONSTRAINT alerts_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE SET NULL,
	CONSTRAINT alerts_execution_fk FOREIGN KEY (execution_id)
		REFERENCES workflow_executions (id) ON DELETE SET NULL,
	CONSTRAINT alerts_person_fk FOREIGN KEY (person_id) REFERENCES persons (id)
		ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS alert_actions (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	alert_id BIGINT UNSIGNED NOT NULL,
	action VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	actor VARCHAR(256) NOT NULL,
	note TEXT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY alert_actions_alert (alert_id, id),
	CONSTRAINT alert_actions_action CHECK (action IN ('dismiss', 'assist')),
	CONSTRAINT alert_actions_alert_fk FOREIGN KEY (alert_id) REFERENCES alerts (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS prompts (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	kind VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	alert_id BIGINT UNSIGNED NULL,
	execution_id BIGINT UNSIGNED NULL,
	step_id BIGINT UNSIGNED NULL,
	alert_level VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'info',
	title VARCHAR(256) NOT NULL DEFAULT '',
	message TEXT NOT NULL,
	buttons JSON NOT NULL CHECK (JSON_VALID(buttons)),
	countdown_seconds INT UNSIGNED NULL,
	status VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'pending',
	expires_at DATETIME(3) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY prompts_status (status, id),
	KEY prompts_execution (execution_id, step_id),
	CONSTRAINT prompts_kind CHECK (kind IN ('notification', 'interactive')),
	CONSTRAINT prompts_status CHECK (status IN ('pending', 'answered', 'expired', 'dismissed')),
	CONSTRAINT prompts_alert_fk FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE SET NULL,
	CONSTRAINT prompts_execution_fk FOREIGN KEY (execution_id)
		REFERENCES workflow_executions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS activities (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	person_id BIGINT UNSIGNED NULL,
	activity_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	room_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	confidence DOUBLE NOT NULL DEFAULT 0.8,
	duration_minutes DOUBLE NULL,
	source VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'rule',
	rule_id BIGINT UNSIGNED NULL,
	execution_id BIGINT UNSIGNED NULL,
	detected_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY activities_person (person_id, activity_type, detected_at),
	KEY activities_type (activity_type, detected_at),
	CONSTRAINT activities_source CHECK (source IN ('rule', 'session', 'manual')),
	CONSTRAINT activities_confidence CHECK (confidence >= 0 AND confidence <= 1),
	CONSTRAINT activities_person_fk FOREIGN KEY (person_id) REFERENCES persons (id)
		ON DELETE CASCADE,
	CONSTRAINT activities_rule_fk FOREIGN KEY (rule_id) REFERENCES rules (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS activity_sessions (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	person_id BIGINT UNSIGNED NULL,
	activity_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	room_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
	timeout_minutes INT UNSIGNED NULL,
	started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	ended_at DATETIME(3) NULL,
	open_key VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin AS
		(IF(ended_at IS NULL, CONCAT(IFNULL(person_id, 0), ':', activity_type), NULL)) PERSISTENT,
	PRIMARY KEY (id),
	UNIQUE KEY activity_sessions_open (open_key),
	KEY activity_sessions_person (person_id, started_at),
	CONSTRAINT activity_sessions_person_fk FOREIGN KEY (person_id) REFERENCES persons (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS daily_reports (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	person_id BIGINT UNSIGNED NOT NULL,
	report_date DATE NOT NULL,
	wellness_score INT NOT NULL,
	summary JSON NOT NULL CHECK (JSON_VALID(summary)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY daily_reports_day (person_id, report_date),
	CONSTRAINT daily_reports_score CHECK (wellness_score BETWEEN 0 AND 100),
	CONSTRAINT daily_reports_person_fk FOREIGN KEY (person_id) REFERENCES persons (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
