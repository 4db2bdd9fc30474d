-- 010_scheduled_trust: what the scheduler needs to be trusted with
-- scheduled work after an outage, across a time zone change, and with a
-- cron rule's own rate.
--
-- rules.catch_up        what a cron rule does with the instants it missed
--                       while nothing ran (within [engine] catch_up_minutes):
--                       all     fire every one, late, oldest first (default:
--                               an 08:00 reminder during a 07:50-08:20
--                               outage still fires);
--                       latest  fire only the newest, record the others;
--                       none    fire none late, record them all.
--                       Older instants are recorded as missed, as before.
-- rules.next_fire_tz    the time zone next_fire_at was computed in ("" = the
--                       system's).  When the hub's zone changes the scheduler
--                       finds the rules whose zone differs and computes their
--                       next instant again, instead of firing once at the
--                       old zone's hour.
-- rules.schedule_error  why the scheduler could not compute the rule's next
--                       instant (NULL when it could): shown by the API, so a
--                       rule that stopped firing says why.
-- rule_fires.late, lateness_seconds
--                       how long after its instant a claim fired (NULL for
--                       missed rows) and whether that counts as late: fired
--                       by catch-up after an outage rather than on time.
--
-- Cron rules and the gate: a cron rule's schedule is its rate, so cool-off
-- and the daily cap are off (0) for a cron rule unless set, and the API
-- refuses values a schedule could never honour.  Cron rules that still
-- carry both old defaults (cool-off 5, cap 3), which were never chosen
-- for them, get 0 and 0: a rule "at 8, 12, 18 and 22" fires four times
-- a day again instead of being capped at three.
--
-- Conventions as in 001.

ALTER TABLE rules
	ADD COLUMN IF NOT EXISTS catch_up VARCHAR(8) CHARACTER SET utf8mb4
		COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT 'all'
		CHECK (catch_up IN ('all', 'latest', 'none')),
	ADD COLUMN IF NOT EXISTS next_fire_tz VARCHAR(64) CHARACTER SET utf8mb4
		COLLATE utf8mb4_nopad_bin NULL,
	ADD COLUMN IF NOT EXISTS schedule_error VARCHAR(255) CHARACTER SET utf8mb4
		COLLATE utf8mb4_nopad_bin NULL;

ALTER TABLE rule_fires
	ADD COLUMN IF NOT EXISTS late BOOL NOT NULL DEFAULT FALSE,
	ADD COLUMN IF NOT EXISTS lateness_seconds INT UNSIGNED NULL;

UPDATE rules SET cool_off_minutes = 0, max_daily_triggers = 0, updated_at = updated_at
	WHERE trigger_type = 'cron' AND cool_off_minutes = 5 AND max_daily_triggers = 3;
