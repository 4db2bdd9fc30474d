#ifndef HEARTH_STORE_ACCOUNTS_H
#define HEARTH_STORE_ACCOUNTS_H

/*
 * People: users, their sessions and the failed-sign-in counters
 * (sql/007_accounts.sql).  Same conventions as store.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "err.h"
#include "password.h"

struct db;
struct page;

#define USERNAME_MAX 64
#define DISPLAY_NAME_MAX 256
#define ROLE_NAME_MAX 64

/* ---------------------------------------------------------------- users */
/* User JSON: {id, username, display_name, role, disabled, created_at,
 *             updated_at, last_login_at|null}; never the hash. */

struct user_row {
	int64_t id;
	char username[USERNAME_MAX + 1];
	char display_name[4 * DISPLAY_NAME_MAX + 1];
	char role[ROLE_NAME_MAX + 1];
	char password_hash[PASSWORD_HASH_MAX];
	bool disabled;
};

/* HERR_CONFLICT when the name is taken (in any case). */
enum herr store_users_create(struct db *db, const char *username, const char *display_name,
			     const char *role, const char *password_hash, json_t **out);
/* lock = FOR UPDATE. */
enum herr store_users_get(struct db *db, int64_t id, bool lock, json_t **out);
enum herr store_users_list(struct db *db, const struct page *pg, json_t *items,
			   bool *has_more);
/* By id (lock = FOR UPDATE) or by name, any case.  HERR_NOT_FOUND. */
enum herr store_users_row(struct db *db, int64_t id, bool lock, struct user_row *out);
enum herr store_users_find(struct db *db, const char *username, struct user_row *out);
/* Change what is not NULL (disabled: -1 keeps it). */
enum herr store_users_update(struct db *db, int64_t id, const char *display_name,
			     const char *role, int disabled, const char *password_hash);
enum herr store_users_delete(struct db *db, int64_t id);
/* Enabled users with this role, locking their rows (inside a transaction):
 * two requests cannot each remove "the other" last admin. */
enum herr store_users_count_enabled(struct db *db, const char *role, int64_t *count);
/* Every user, whatever their state. */
enum herr store_users_count(struct db *db, int64_t *count);
enum herr store_users_logged_in(struct db *db, int64_t id);
/* The prefixes of a user's active keys and of their sessions, appended to
 * the two arrays (borrowed), for forgetting them in the cache. */
enum herr store_users_prefixes(struct db *db, int64_t id, json_t *keys, json_t *sessions);

/* ---------------------------------------------------------------- sessions */

/* A session with what the request needs of its user. */
struct session_row {
	int64_t id;
	int64_t user_id;
	unsigned char hash[AUTH_HASH_LEN];
	char username[USERNAME_MAX + 1];
	char role[ROLE_NAME_MAX + 1];
	bool disabled;
	int64_t last_seen;   /* Unix seconds */
	int64_t expires;     /* Unix seconds: the absolute end */
};

enum herr store_sessions_create(struct db *db, int64_t user_id, const char *prefix,
				const unsigned char hash[AUTH_HASH_LEN], const char *how,
				const char *address, unsigned max_seconds, int64_t *id);
enum herr store_sessions_find(struct db *db, const char *prefix, struct session_row *out);
/* last_seen_at = now; HERR_NOT_FOUND when the session is gone. */
enum herr store_sessions_touch(struct db *db, int64_t id);
/* Ends one session; its prefix into prefix_out for the cache. */
enum herr store_sessions_delete(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1]);
/*
 * Ends every session of a user but keep_id (0 = none), appending the
 * prefixes of the ended ones to prefixes (borrowed array) for the cache.
 */
enum herr store_sessions_end_user(struct db *db, int64_t user_id, int64_t keep_id,
				  json_t *prefixes);
/* Drops sessions past their absolute end or idle longer than idle_seconds,
 * a bounded batch at a time. */
enum herr store_sessions_purge(struct db *db, unsigned idle_seconds);

/* ---------------------------------------------------------------- login failures */
/* kind: "user" (the name as typed, lowercased by the collation) or "addr". */

/* Failures counted and seconds since the last one (0, 0 when none). */
enum herr store_logins_get(struct db *db, const char *kind, const char *name,
			   int64_t *failures, int64_t *seconds_since);
enum herr store_logins_fail(struct db *db, const char *kind, const char *name);
enum herr store_logins_clear(struct db *db, const char *kind, const char *name);

/* ---------------------------------------------------------------- personal tokens */

/* A user's own API key (role: the user's, looked up at each use). */
enum herr store_api_keys_create_for_user(struct db *db, const char *name, int64_t user_id,
					 const char *role, const char *prefix,
					 const unsigned char *hash, json_t **out);
/* Revokes a user's keys, appending their prefixes to prefixes. */
enum herr store_api_keys_revoke_user(struct db *db, int64_t user_id, json_t *prefixes);

#endif
