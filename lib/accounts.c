#include "accounts.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth.h"
#include "cache.h"
#include "password.h"
#include "principal.h"
#include "store/accounts.h"

int accounts_setup_code_new(char out[ACCOUNTS_SETUP_CODE_LEN + 1])
{
	/* Crockford's base32: no I, L, O or U to misread. */
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char rnd[16];
	size_t n = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		if (i > 0 && i % 4 == 0)
			out[n++] = '-';
		out[n++] = alphabet[rnd[i] & 31];
	}
	out[n] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

void accounts_setup_code_hash(const char *code, char hex[ACCOUNTS_SETUP_HASH_LEN])
{
	char norm[ACCOUNTS_SETUP_CODE_MAX + 1];
	unsigned char hash[AUTH_HASH_LEN];
	size_t n = 0;

	for (const char *p = code; p && *p && n < ACCOUNTS_SETUP_CODE_MAX; p++)
		if (*p != '-' && *p != ' ')
			norm[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	norm[n] = '\0';
	auth_key_hash(norm, hash);
	auth_hash_hex(hash, hex);
	OPENSSL_cleanse(norm, sizeof(norm));
}

const char *accounts_username_refusal(const char *username)
{
	static const char allowed[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-";
	size_t len = username ? strlen(username) : 0;

	if (len == 0 || len > USERNAME_MAX)
		return "the user name must have 1 to 64 characters";
	if (strspn(username, allowed) != len)
		return "the user name may only have letters, digits and . _ @ -";
	if (strchr("._@-", username[0]))
		return "the user name must start with a letter or a digit";
	return NULL;
}

enum herr accounts_would_orphan(struct db *db, const struct user_row *u, const char *new_role,
				bool disable, bool remove, bool *last)
{
	int64_t admins = 0;
	enum herr e;

	*last = false;
	if (u->disabled || strcmp(u->role, ACCOUNTS_ADMIN_ROLE) != 0)
		return HERR_OK;
	if (!disable && !remove && (!new_role || strcmp(new_role, ACCOUNTS_ADMIN_ROLE) == 0))
		return HERR_OK;
	e = store_users_count_enabled(db, ACCOUNTS_ADMIN_ROLE, &admins);
	if (e == HERR_OK)
		*last = admins <= 1;
	return e;
}

enum herr accounts_forget(struct db *db, struct cache *cache, int64_t user_id)
{
	json_t *keys = json_array(), *sessions = json_array();
	enum herr e = HERR_NOMEM;

	if (keys && sessions)
		e = store_users_prefixes(db, user_id, keys, sessions);
	if (e == HERR_OK)
		principal_forget_all(cache, keys, sessions);
	json_decref(keys);
	json_decref(sessions);
	return e;
}

enum herr accounts_end_access(struct db *db, struct cache *cache, int64_t user_id,
			      int64_t keep_session, bool revoke_keys)
{
	json_t *keys = json_array(), *sessions = json_array();
	enum herr e = HERR_NOMEM;

	if (!keys || !sessions)
		goto out;
	e = store_sessions_end_user(db, user_id, keep_session, sessions);
	if (e == HERR_OK && revoke_keys)
		e = store_api_keys_revoke_user(db, user_id, keys);
	if (e == HERR_OK)
		principal_forget_all(cache, keys, sessions);
out:
	json_decref(keys);
	json_decref(sessions);
	return e;
}

enum herr accounts_set_password(struct db *db, struct cache *cache, const struct user_row *u,
				const char *password, int64_t keep_session, const char **why)
{
	char hash[PASSWORD_HASH_MAX];
	enum herr e;

	*why = password_refusal(password, u->username);
	if (*why)
		return HERR_INVALID;
	if (password_hash(password, hash) != 0)
		return HERR_NOMEM;
	e = store_users_update(db, u->id, NULL, NULL, -1, hash);
	explicit_bzero(hash, sizeof(hash));
	if (e == HERR_OK)
		e = accounts_end_access(db, cache, u->id, keep_session, false);
	return e;
}
