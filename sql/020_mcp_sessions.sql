-- 020_mcp_sessions: sessions of the Model Context Protocol endpoint
-- (POST /api/v1/mcp, Streamable HTTP).
--
-- initialize opens one and answers its id in the Mcp-Session-Id header; the
-- client sends the id with every later message.  Only the SHA-256 of the id
-- is kept.  A session is its opener's: the same API key (key_id) or the
-- same person (user_id, for a dashboard session); anyone else presenting
-- the id is told it does not exist.  A session unused for a day is over.
--
-- protocol     the revision initialize agreed on
-- client       what the client called itself (clientInfo name and version)

CREATE TABLE IF NOT EXISTS mcp_sessions (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	token_hash BINARY(32) NOT NULL,
	key_id BIGINT UNSIGNED NULL,
	user_id BIGINT UNSIGNED NULL,
	protocol VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	client VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_used_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY mcp_sessions_token (token_hash),
	KEY mcp_sessions_used (last_used_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
