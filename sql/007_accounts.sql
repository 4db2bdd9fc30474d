-- People: accounts, their sessions and the counters that slow down guessing.
--
-- users           one row per person.  username is ASCII ([A-Za-z0-9._@-])
--                 with a case-insensitive collation, so "Mum" and "mum" are
--                 one account; role names a section of roles.conf, as a
--                 key's does.  password_hash is libsodium's Argon2id string
--                 ($argon2id$v=19$m=...,t=...,p=1$salt$hash), never the
--                 password.
-- sessions        one row per signed-in browser.  The cookie holds
--                 "hs_<prefix>_<secret>"; the row keeps the prefix (to find
--                 it) and the SHA-256 of the whole token (compared in
--                 constant time).  A session ends when idle for longer than
--                 the idle timeout (last_seen_at), at expires_at, at logout,
--                 or when its user changes password, is disabled or
--                 deleted.
-- login_failures  failed sign-ins counted per account name (whether or not
--                 the account exists, so a locked name says nothing about
--                 its existence) and per client address.  The delay before
--                 the next try grows with the count; a success clears both.
-- api_keys.user_id  a person's own tokens (POST /auth/regenerate): they act
--                 with the user's current role and are revoked with the
--                 user.
--
-- Conventions as in 001.

CREATE TABLE IF NOT EXISTS users (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
	display_name VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT '',
	role VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	disabled TINYINT(1) NOT NULL DEFAULT 0,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	last_login_at DATETIME(3) NULL,
	password_changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY users_username (username),
	KEY users_role (role, disabled)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sessions (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id BIGINT UNSIGNED NOT NULL,
	prefix CHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	token_hash BINARY(32) NOT NULL,
	how VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	address VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	uses INT UNSIGNED NOT NULL DEFAULT 0,
	expires_at DATETIME(3) NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY sessions_prefix (prefix),
	KEY sessions_user (user_id),
	KEY sessions_expires (expires_at),
	CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS login_failures (
	kind CHAR(4) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
	failures INT UNSIGNED NOT NULL DEFAULT 0,
	last_failure_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (kind, name),
	KEY login_failures_at (last_failure_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS user_id BIGINT UNSIGNED NULL;
ALTER TABLE api_keys ADD INDEX IF NOT EXISTS api_keys_user (user_id, revoked_at);
