#ifndef HEARTH_STORE_PASSKEYS_H
#define HEARTH_STORE_PASSKEYS_H

/*
 * Passkeys (sql/009_passkeys.sql): people's WebAuthn credentials and the
 * single-use challenges of the ceremonies.  Conventions of store.h.
 *
 * Credential JSON (never the key): {id, name, alg ("ES256"|"RS256"),
 *   transports [...], sign_count, created_at, last_used_at|null}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "store/store.h"
#include "webauthn.h"

struct db;

#define PASSKEY_KEY_MAX 2048
#define PASSKEY_NAME_MAX 64
#define PASSKEY_USERNAME_MAX 64
#define PASSKEY_DISPLAY_MAX 1024   /* bytes: 256 characters of UTF-8 */

enum passkey_purpose { PASSKEY_REGISTER, PASSKEY_AUTHENTICATE };

/* A stored credential, as an assertion is checked against it. */
struct passkey_row {
	int64_t id;
	int64_t user_id;
	int alg;
	unsigned char public_key[PASSKEY_KEY_MAX];
	size_t public_key_len;
	uint32_t sign_count;
};

/* An enabled person's names; HERR_NOT_FOUND when missing or disabled. */
enum herr store_passkeys_user(struct db *db, int64_t user_id,
			      char username[PASSKEY_USERNAME_MAX + 1],
			      char display_name[PASSKEY_DISPLAY_MAX + 1]);
/* An enabled person's id by username; HERR_NOT_FOUND otherwise. */
enum herr store_passkeys_user_by_name(struct db *db, const char *username, int64_t *user_id);

/* Append {type: "public-key", id: base64url, transports?} for each of the
 * user's credentials to descriptors (borrowed). */
enum herr store_passkeys_descriptors(struct db *db, int64_t user_id, json_t *descriptors);

/* The user's credentials, a page of them (keyset over ids). */
enum herr store_passkeys_list(struct db *db, int64_t user_id, const struct page *pg,
			      json_t *items, bool *has_more);

/*
 * Store a verified credential for user_id with name and transports (a JSON
 * array, borrowed; NULL = none); *out = its listing.  HERR_CONFLICT when
 * the credential id is registered already (to anyone).
 */
enum herr store_passkeys_create(struct db *db, int64_t user_id,
				const struct webauthn_credential *cred, const char *name,
				const json_t *transports, json_t **out);

/* The credential with this authenticator id, if its user is enabled. */
enum herr store_passkeys_find(struct db *db, const unsigned char *cred_id, size_t len,
			      struct passkey_row *out);

/*
 * Record a use: sign_count from old_count to new_count and last_used_at,
 * only while the stored counter is still old_count (HERR_CONFLICT when
 * another use got there first).
 */
enum herr store_passkeys_used(struct db *db, int64_t id, uint32_t old_count,
			      uint32_t new_count);

/* Delete credential id of user_id; HERR_NOT_FOUND when it is not theirs. */
enum herr store_passkeys_delete(struct db *db, int64_t user_id, int64_t id);

/* Keep a challenge's hash for ttl_seconds (user_id 0 = nobody named);
 * lapsed challenges are cleared on the way. */
enum herr store_passkeys_challenge_add(struct db *db, const unsigned char hash[32],
				       int64_t user_id, enum passkey_purpose purpose,
				       unsigned ttl_seconds);

/*
 * Take (delete) an unexpired challenge of this purpose: *user_id gets whom
 * it was for (0 = nobody named).  HERR_NOT_FOUND when unknown, lapsed or
 * already taken.
 */
enum herr store_passkeys_challenge_take(struct db *db, const unsigned char hash[32],
					enum passkey_purpose purpose, int64_t *user_id);

#endif
