#ifndef HEARTH_ACCOUNTS_H
#define HEARTH_ACCOUNTS_H

/*
 * What changing a person's account means, for the API and hearthctl
 * alike: names and passwords checked, the last enabled admin kept, and a
 * user's sessions and personal keys ended or forgotten in the cache when
 * their access changes.  Runs inside the caller's transaction.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct cache;
struct user_row;

#define ACCOUNTS_ADMIN_ROLE "admin"

/*
 * First-run setup.  The code is made at install (hearthctl setup-code): 16
 * characters of Crockford's base32 (80 bits) shown as XXXX-XXXX-XXXX-XXXX,
 * its SHA-256 kept in the settings row "setup" ({code_hash}; {done_at,
 * user_id} once done), the code itself only in a file for the owner of
 * the box.
 */
#define ACCOUNTS_SETUP_SETTING "setup"
#define ACCOUNTS_SETUP_CODE_MAX 64
#define ACCOUNTS_SETUP_CODE_LEN 19          /* with the dashes */
#define ACCOUNTS_SETUP_HASH_LEN 65          /* hex SHA-256 and its NUL */

/* A new code into out.  0, or -1 when the random source failed. */
int accounts_setup_code_new(char out[ACCOUNTS_SETUP_CODE_LEN + 1]);

/* The hex SHA-256 of a code as people type it: case, dashes and spaces do
 * not matter. */
void accounts_setup_code_hash(const char *code, char hex[ACCOUNTS_SETUP_HASH_LEN]);

/* Why username may not be used, or NULL: 1..64 of [A-Za-z0-9._@-],
 * starting with a letter or digit. */
const char *accounts_username_refusal(const char *username);

/*
 * Whether the change would leave no enabled user with the admin role:
 * u is the user as it is (locked by the caller), new_role NULL keeps the
 * role, disable / remove say whether the user is being disabled or
 * deleted.  *last is set; counts under row locks.
 */
enum herr accounts_would_orphan(struct db *db, const struct user_row *u, const char *new_role,
				bool disable, bool remove, bool *last);

/*
 * After a change of a user's role: the cached rows of their sessions and
 * keys are forgotten, so the next request reads the new role.
 */
enum herr accounts_forget(struct db *db, struct cache *cache, int64_t user_id);

/*
 * End a user's access: every session but keep_session (0 = all) ends and,
 * with revoke_keys, their personal keys are revoked; both forgotten in the
 * cache.
 */
enum herr accounts_end_access(struct db *db, struct cache *cache, int64_t user_id,
			      int64_t keep_session, bool revoke_keys);

/*
 * Set a new password: checked (password_refusal), hashed, stored, and
 * every other session of the user ended.  HERR_INVALID with *why set when
 * the password is refused.
 */
enum herr accounts_set_password(struct db *db, struct cache *cache, const struct user_row *u,
				const char *password, int64_t keep_session, const char **why);

#endif
