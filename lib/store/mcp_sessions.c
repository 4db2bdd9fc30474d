/*
 * MCP sessions (mcp_sessions.h).
 */
#include "store/mcp_sessions.h"

#include "db.h"

/* Its opener: the same key, or for a person's session the same person. */
#define OWNER " AND key_id <=> ? AND user_id <=> ?"
#define LIVE " AND last_used_at > NOW(3) - INTERVAL ? SECOND"

static const char sql_gone[] =
	"DELETE FROM mcp_sessions WHERE last_used_at < NOW(3) - INTERVAL ? SECOND";
static const char sql_open[] =
	"INSERT INTO mcp_sessions (token_hash, key_id, user_id, protocol, client)"
	" VALUES (?, ?, ?, ?, ?)";
static const char sql_get[] =
	"SELECT protocol FROM mcp_sessions WHERE token_hash = ?" OWNER LIVE;
static const char sql_used[] =
	"UPDATE mcp_sessions SET last_used_at = NOW(3) WHERE token_hash = ?";
static const char sql_end[] =
	"DELETE FROM mcp_sessions WHERE token_hash = ?" OWNER LIVE;

enum herr store_mcp_session_open(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				 int64_t key_id, int64_t user_id, const char *protocol,
				 const char *client)
{
	enum herr rc = db_exec(db, sql_gone, "I", (int64_t)MCP_SESSION_IDLE_S);

	if (rc != HERR_OK)
		return rc;
	return db_exec(db, sql_open, "BJJss", hash, (size_t)AUTH_HASH_LEN, key_id, user_id,
		       protocol, client);
}

enum herr store_mcp_session_use(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				int64_t key_id, int64_t user_id, char *protocol)
{
	enum herr rc = db_row(db, sql_get, "BJJI", "s", hash, (size_t)AUTH_HASH_LEN, key_id,
			      user_id, (int64_t)MCP_SESSION_IDLE_S, protocol,
			      (size_t)MCP_PROTOCOL_MAX + 1);

	if (rc != HERR_OK)
		return rc;
	return db_exec(db, sql_used, "B", hash, (size_t)AUTH_HASH_LEN);
}

enum herr store_mcp_session_end(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				int64_t key_id, int64_t user_id)
{
	enum herr rc = db_exec(db, sql_end, "BJJI", hash, (size_t)AUTH_HASH_LEN, key_id, user_id,
			       (int64_t)MCP_SESSION_IDLE_S);

	if (rc == HERR_OK && db_changes(db) == 0)
		return HERR_NOT_FOUND;
	return rc;
}
