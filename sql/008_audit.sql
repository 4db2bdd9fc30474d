-- 008_audit: who changed what, browsable through GET /api/v1/audit.
--
-- audit_log gains
--   user_id   the person behind the change (accounts, 007): a session's,
--             a personal token's, or the one signing in; NULL for a key
--             that is nobody's (hearthctl key create) and for rows written
--             before people had accounts.  No foreign key, as for key_id:
--             the log takes any write without locking the user's row, and
--             keeps naming a user who was deleted since.
--   address   the client's address as nginx saw it (REMOTE_ADDR): an IPv4
--             or IPv6 address, at most 45 characters (an IPv4-mapped IPv6
--             address written out in full).
--
-- The indexes serve the list's filters, newest first (id descending):
--   (actor, id)      who=   equality, then the ids in order: no sort.
--   (status, id)     status=  the same.
--   (user_id, id)    the rows of one person.
--   (path(191))      path=  a prefix (LIKE 'prefix%' is a range on the
--                    index).  191 characters is more than any route's
--                    fixed part; longer prefixes still use the index for
--                    their first 191 characters.
-- since/until use the existing audit_log_at (at); InnoDB keeps the primary
-- key in every secondary index, so "id < cursor" is checked in the index.
--
-- On a large log the ALTER copies the table once (MariaDB adds the NULL
-- columns in place; the indexes are built online).  IF NOT EXISTS makes a
-- repeated run harmless.  Conventions as in 001.

ALTER TABLE audit_log
	ADD COLUMN IF NOT EXISTS user_id BIGINT UNSIGNED NULL AFTER key_id,
	ADD COLUMN IF NOT EXISTS address VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER status,
	ADD INDEX IF NOT EXISTS audit_log_actor (actor, id),
	ADD INDEX IF NOT EXISTS audit_log_status (status, id),
	ADD INDEX IF NOT EXISTS audit_log_user (user_id, id),
	ADD INDEX IF NOT EXISTS audit_log_path (path(191));
