-- 009_passkeys: WebAuthn credentials (passkeys) of people's accounts, and
-- the challenges the server hands out for them.
--
-- webauthn_credentials  one row per registered authenticator credential.
--                       credential_id is the authenticator's own id (1 to
--                       1023 bytes) and is unique across all users, so an
--                       assertion finds its row by it alone; public_key is
--                       DER SubjectPublicKeyInfo, alg the COSE algorithm
--                       (-7 ES256, -257 RS256).  sign_count is the last
--                       signature counter seen: an assertion must move it
--                       forward (when either is non-zero), and the update is
--                       conditional on the value read, so two concurrent
--                       uses of one assertion cannot both succeed.
--                       transports is the browser's hint list (JSON array).
--                       The rows go with their user.
-- webauthn_challenges   a challenge handed out by an options endpoint: its
--                       SHA-256 only, who it is for (NULL when an
--                       authentication did not name anyone), the ceremony
--                       (register | authenticate) and when it lapses.  It
--                       is single use: the verify endpoints delete the row
--                       they accept, so a replayed response finds nothing.
--
-- Conventions as in 001.

CREATE TABLE IF NOT EXISTS webauthn_credentials (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id BIGINT UNSIGNED NOT NULL,
	credential_id VARBINARY(1023) NOT NULL,
	public_key VARBINARY(2048) NOT NULL,
	alg SMALLINT NOT NULL,
	sign_count INT UNSIGNED NOT NULL DEFAULT 0,
	name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
	transports JSON NULL CHECK (transports IS NULL OR JSON_VALID(transports)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_used_at DATETIME(3) NULL,
	PRIMARY KEY (id),
	UNIQUE KEY webauthn_credentials_credential (credential_id),
	KEY webauthn_credentials_user (user_id),
	CONSTRAINT webauthn_credentials_alg CHECK (alg IN (-7, -257)),
	CONSTRAINT webauthn_credentials_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webauthn_challenges (
	challenge_hash BINARY(32) NOT NULL,
	user_id BIGINT UNSIGNED NULL,
	purpose ENUM('register', 'authenticate') NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at DATETIME(3) NOT NULL,
	PRIMARY KEY (challenge_hash),
	KEY webauthn_challenges_expires (expires_at),
	CONSTRAINT webauthn_challenges_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
