/*
 * API keys: "hk_" + 8 hex prefix + "_" + 43 base64url characters.
 *
 * The prefix is random too (4 bytes), not derived from the secret part,
 * so knowing it tells nothing about the key; it only finds the row.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cursor.h"
#include "log.h"

#define AUTH_SECRET_BYTES 32
#define AUTH_SECRET_CHARS 43 /* base64url of 32 bytes, unpadded */
#define AUTH_KEY_LEN (3 + AUTH_KEY_PREFIX_LEN + 1 + AUTH_SECRET_CHARS)

_Static_assert(AUTH_KEY_LEN <= AUTH_KEY_MAX, "a key must fit AUTH_KEY_MAX");

static const char auth_hex[] = "0123456789abcdef";

static int auth__sha256(const char *key, unsigned char out[AUTH_HASH_LEN])
{
	unsigned int len = 0;

	if (!key || EVP_Digest(key, strlen(key), out, &len, EVP_sha256(), NULL) != 1 ||
	    len != AUTH_HASH_LEN) {
		LOG(LOG_ERR, "auth: SHA-256 failed");
		memset(out, 0, AUTH_HASH_LEN);
		return -1;
	}
	return 0;
}

static int auth__generate(const char *tag, struct auth_new_key *out)
{
	unsigned char prefix[AUTH_KEY_PREFIX_LEN / 2];
	unsigned char secret[AUTH_SECRET_BYTES];
	char secret_text[AUTH_SECRET_CHARS + 1];
	char prefix_text[AUTH_KEY_PREFIX_LEN + 1];
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (RAND_bytes(prefix, sizeof(prefix)) != 1 || RAND_bytes(secret, sizeof(secret)) != 1) {
		LOG(LOG_ERR, "auth: the random number generator failed");
		goto out;
	}
	for (size_t i = 0; i < sizeof(prefix); i++) {
		prefix_text[2 * i] = auth_hex[prefix[i] >> 4];
		prefix_text[2 * i + 1] = auth_hex[prefix[i] & 0xf];
	}
	prefix_text[AUTH_KEY_PREFIX_LEN] = '\0';
	if (b64url_encode(secret, sizeof(secret), secret_text, sizeof(secret_text)) !=
	    AUTH_SECRET_CHARS)
		goto out;
	snprintf(out->key, sizeof(out->key), "%s_%s_%s", tag, prefix_text, secret_text);
	memcpy(out->prefix, prefix_text, sizeof(out->prefix));
	if (auth__sha256(out->key, out->hash) != 0)
		goto out;
	rv = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(secret_text, sizeof(secret_text));
	if (rv != 0)
		OPENSSL_cleanse(out, sizeof(*out));
	return rv;
}

static int auth__parse(const char *tag, const char *key, char prefix[AUTH_KEY_PREFIX_LEN + 1])
{
	const char *p, *s;

	if (!key || strnlen(key, AUTH_KEY_LEN + 1) != AUTH_KEY_LEN || strncmp(key, tag, 2) != 0 || key[2] != '_')
		return -1;
	p = key + 3;
	if (strspn(p, "0123456789abcdef") != AUTH_KEY_PREFIX_LEN || p[AUTH_KEY_PREFIX_LEN] != '_')
		return -1;
	s = p + AUTH_KEY_PREFIX_LEN + 1;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    AUTH_SECRET_CHARS)
		return -1;
	/* 43 characters carry 258 bits for 256: the last one has two unused
	 * bits, which the encoder always leaves zero. */
	if (strchr("AEIMQUYcgkosw048", s[AUTH_SECRET_CHARS - 1]) == NULL)
		return -1;
	if (prefix) {
		memcpy(prefix, p, AUTH_KEY_PREFIX_LEN);
		prefix[AUTH_KEY_PREFIX_LEN] = '\0';
	}
	return 0;
}

int auth_key_generate(struct auth_new_key *out)
{
	return auth__generate("hk", out);
}

int auth_key_parse(const char *key, char prefix[AUTH_KEY_PREFIX_LEN + 1])
{
	return auth__parse("hk", key, prefix);
}

int auth_session_generate(struct auth_new_key *out)
{
	return auth__generate("hs", out);
}

int auth_session_parse(const char *token, char prefix[AUTH_KEY_PREFIX_LEN + 1])
{
	return auth__parse("hs", token, prefix);
}

void auth_key_hash(const char *key, unsigned char out[AUTH_HASH_LEN])
{
	/* On failure out is all zeros, which no stored hash is (a key is only
	 * created when hashing worked), so it matches nothing. */
	(void)auth__sha256(key, out);
}

bool auth_hash_equal(const unsigned char *a, const unsigned char *b)
{
	if (!a || !b)
		return false;
	return CRYPTO_memcmp(a, b, AUTH_HASH_LEN) == 0;
}

void auth_hash_hex(const unsigned char *hash, char *out)
{
	for (size_t i = 0; i < AUTH_HASH_LEN; i++) {
		out[2 * i] = auth_hex[hash[i] >> 4];
		out[2 * i + 1] = auth_hex[hash[i] & 0xf];
	}
	out[2 * AUTH_HASH_LEN] = '\0';
}

int auth_secret_generate(char *out, size_t outsz, unsigned char hash[AUTH_HASH_LEN])
{
	unsigned char secret[AUTH_SECRET_BYTES];
	int rv = -1;

	if (outsz < AUTH_SECRET_CHARS + 1)
		goto out;
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		LOG(LOG_ERR, "auth: the random number generator failed");
		goto out;
	}
	if (b64url_encode(secret, sizeof(secret), out, outsz) != AUTH_SECRET_CHARS)
		goto out;
	if (auth__sha256(out, hash) != 0)
		goto out;
	rv = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rv != 0) {
		if (outsz > 0)
			OPENSSL_cleanse(out, outsz);
		OPENSSL_cleanse(hash, AUTH_HASH_LEN);
	}
	return rv;
}
