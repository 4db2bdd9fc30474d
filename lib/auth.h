#ifndef HEARTH_AUTH_H
#define HEARTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * API keys.  A key looks like "hk_<prefix>_<secret>": prefix is 8 lowercase
 * hex digits that identify the row (indexed, not secret), secret is 43
 * base64url characters (32 random bytes).  Only the SHA-256 of the whole key
 * is stored; keys carry 256 bits of entropy, so a fast hash is the right
 * one (a slow KDF is for low-entropy passwords).  Hashes are compared in
 * constant time.
 */
#define AUTH_KEY_PREFIX_LEN 8
#define AUTH_KEY_MAX 64          /* strlen of a well-formed key is 55 */
#define AUTH_HASH_LEN 32

struct auth_new_key {
	char key[AUTH_KEY_MAX + 1];                /* shown once, then forgotten */
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	unsigned char hash[AUTH_HASH_LEN];
};

/* Generate a fresh random key.  0, or -1 if the CSPRNG failed. */
int auth_key_generate(struct auth_new_key *out);

/* Check the shape of a presented key and copy its prefix out.
 * 0 if well-formed, -1 otherwise (never logs the key). */
int auth_key_parse(const char *key, char prefix[AUTH_KEY_PREFIX_LEN + 1]);

/*
 * Session tokens, the value of the hearth_session cookie: the same shape
 * and strength as a key, "hs_<prefix>_<secret>", so that a token is never
 * mistaken for a key nor a key for a token.  Same returns as above.
 */
int auth_session_generate(struct auth_new_key *out);
int auth_session_parse(const char *token, char prefix[AUTH_KEY_PREFIX_LEN + 1]);

/* SHA-256 of the key (or token) text. */
void auth_key_hash(const char *key, unsigned char out[AUTH_HASH_LEN]);

/* Constant-time comparison of two hashes. */
bool auth_hash_equal(const unsigned char *a, const unsigned char *b);

/* Lowercase hex of a hash into out (2*AUTH_HASH_LEN+1 bytes). */
void auth_hash_hex(const unsigned char *hash, char *out);

/*
 * A fresh random secret that is not an API key (a rule's webhook secret):
 * 32 random bytes as 43 base64url characters into out (outsz >= 44), and
 * the SHA-256 of that text into hash, which is all that gets stored.
 * 0, or -1 when out is too small or the CSPRNG failed (out and hash are
 * then wiped).
 */
int auth_secret_generate(char *out, size_t outsz, unsigned char hash[AUTH_HASH_LEN]);

#endif
