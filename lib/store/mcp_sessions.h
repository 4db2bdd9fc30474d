#ifndef HEARTH_STORE_MCP_SESSIONS_H
#define HEARTH_STORE_MCP_SESSIONS_H

/*
 * Sessions of the MCP endpoint (sql/020_mcp_sessions.sql), kept by the
 * SHA-256 of their id.  Each belongs to the API key (key_id) or the person
 * (user_id) that opened it: asked for by anyone else, it is not found.
 */
#include <stdint.h>

#include "auth.h"
#include "err.h"

struct db;

/* The idle time after which a session is over. */
#define MCP_SESSION_IDLE_S 86400
#define MCP_PROTOCOL_MAX 16

/* Open one: hash, its opener, the agreed protocol and the client's name
 * (may be NULL).  Sessions idle past MCP_SESSION_IDLE_S go on the way. */
enum herr store_mcp_session_open(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				 int64_t key_id, int64_t user_id, const char *protocol,
				 const char *client);

/* The session of hash for this opener, marked used now, and its protocol
 * (MCP_PROTOCOL_MAX + 1 bytes); HERR_NOT_FOUND when there is none, it is
 * another's or it is over. */
enum herr store_mcp_session_use(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				int64_t key_id, int64_t user_id, char *protocol);

/* End it: HERR_NOT_FOUND as above. */
enum herr store_mcp_session_end(struct db *db, const unsigned char hash[AUTH_HASH_LEN],
				int64_t key_id, int64_t user_id);

#endif
