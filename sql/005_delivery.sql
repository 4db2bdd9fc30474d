-- 005_delivery: everything Hearth must deliver, how it routes alerts, and
-- how it keeps reminding people of an alert nobody has answered.
--
-- jobs                 one row per delivery that must happen: a
--                      notification on one channel, a Home Assistant
--                      action.  queue is what delivers it (the channel's
--                      name, or ha_action); payload is what to send, rendered
--                      when the job was made (secrets such as bot tokens are
--                      not in it: they are read from hearth.conf at delivery
--                      time).  status moves
--                        pending -> running -> done
--                                           -> pending (a retry, run_after later)
--                                           -> dead    (the dead-letter queue)
--                      always by a conditional UPDATE.  A running row has an
--                      owner ("host:pid") and a lease; a job whose worker
--                      died is found when the lease runs out and goes back
--                      to pending (or dead, out of attempts): no job is lost,
--                      and one may at worst be delivered twice, never zero
--                      times.  attempts counts the attempts begun; the
--                      dead-letter queue is status = 'dead', re-queued by
--                      setting it back to pending with attempts = 0.
-- notification_rules   one row per alert level: the channels a notification
--                      without its own list goes to, quiet hours (local
--                      time; no voice or e-ink then, pop-ups and messages
--                      still go; emergency ignores them), and escalation
--                      (re-notify every escalation_minutes, repeat_count
--                      times, until the alert is resolved).
-- alerts.next_escalation_at  when the alert is next re-notified (NULL: never
--                      again); escalations_sent how many times it was.
--                      Claimed by a conditional UPDATE on the old value.
-- alerts.source_key    where an alert came from outside (an Alertmanager
--                      fingerprint), so a repeated "firing" finds the open
--                      alert instead of raising another; open_source_key is
--                      set only while the alert is open, and UNIQUE.
--
-- Conventions as in 001.

CREATE TABLE IF NOT EXISTS jobs (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	queue VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	status VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'pending',
	attempts INT UNSIGNED NOT NULL DEFAULT 0,
	max_attempts INT UNSIGNED NOT NULL DEFAULT 3,
	run_after DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	payload JSON NOT NULL CHECK (JSON_VALID(payload)),
	result JSON NULL CHECK (result IS NULL OR JSON_VALID(result)),
	last_error VARCHAR(512) NULL,
	owner VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NULL,
	lease_until DATETIME(3) NULL,
	alert_id BIGINT UNSIGNED NULL,
	execution_id BIGINT UNSIGNED NULL,
	step_id BIGINT UNSIGNED NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	finished_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	KEY jobs_due (status, run_after),
	KEY jobs_queue (queue, status, id),
	KEY jobs_lease (status, lease_until),
	KEY jobs_alert (alert_id),
	KEY jobs_execution (execution_id),
	CONSTRAINT jobs_status CHECK (status IN ('pending', 'running', 'done', 'dead')),
	CONSTRAINT jobs_alert_fk FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE SET NULL,
	CONSTRAINT jobs_execution_fk FOREIGN KEY (execution_id)
		REFERENCES workflow_executions (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS notification_rules (
	level VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	channels JSON NOT NULL CHECK (JSON_VALID(channels)),
	quiet_hours_enabled BOOL NOT NULL DEFAULT FALSE,
	quiet_start CHAR(5) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '22:00',
	quiet_end CHAR(5) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '07:00',
	escalation_minutes INT UNSIGNED NOT NULL DEFAULT 0,
	repeat_count INT UNSIGNED NOT NULL DEFAULT 0,
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (level),
	CONSTRAINT notification_rules_level CHECK (level IN ('emergency', 'warning', 'info', 'reminder'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The reference's defaults; INSERT IGNORE keeps what people changed when a
-- cut-short migration runs again.
INSERT IGNORE INTO notification_rules
	(level, channels, quiet_hours_enabled, escalation_minutes, repeat_count) VALUES
	('emergency', '["pwa_popup_text", "telegram", "eink", "ha_speaker_tts"]', TRUE, 5, 3),
	('warning', '["pwa_popup_text", "telegram", "eink", "pwa_realtime_ai"]', TRUE, 10, 3),
	('info', '["pwa_popup_text"]', TRUE, 0, 0),
	('reminder', '["pwa_popup_text", "ha_speaker_tts", "eink"]', TRUE, 0, 0);

ALTER TABLE alerts
	ADD COLUMN IF NOT EXISTS escalations_sent INT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS next_escalation_at DATETIME(3) NULL,
	ADD COLUMN IF NOT EXISTS source_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
	ADD COLUMN IF NOT EXISTS open_source_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin
		AS (IF(resolved, NULL, source_key)) STORED,
	ADD KEY IF NOT EXISTS alerts_escalation (next_escalation_at),
	ADD UNIQUE KEY IF NOT EXISTS alerts_open_source (open_source_key);
