/*
 * Pagination cursors and the base64url they travel in.
 *
 * A cursor is 21 bytes, 28 characters:
 *   version (1) | last id, big-endian (8) | HMAC-SHA256 truncated (12)
 * The MAC covers the scope too, so a cursor minted for one list (or one
 * set of filters) does not verify for another.  96 bits of tag are plenty
 * for an online forgery that costs a request per guess.
 *
 * Decoding is canonical: there is exactly one accepted spelling of each
 * cursor, so nothing about a cursor can be changed without the MAC
 * noticing.
 */
#include "cursor.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define CURSOR_VERSION 1
#define CURSOR_TAG_LEN 12
#define CURSOR_RAW_LEN (1 + 8 + CURSOR_TAG_LEN)
#define CURSOR_TEXT_LEN 28 /* base64url of CURSOR_RAW_LEN bytes */

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t b64url__encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t need = b64url__encoded_len(n);
	size_t o = 0, i = 0;

	if (!out || outsz < need + 1 || n > (SIZE_MAX / 4) - 1)
		return 0;
	for (; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)in[i] << 16;

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64url__value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int b64url_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t need, o = 0;
	unsigned long acc = 0;
	int bits = 0;

	if (!in || inlen % 4 == 1)
		return -1;
	need = inlen / 4 * 3 + (inlen % 4 ? inlen % 4 - 1 : 0);
	if (need > outsz || (need > 0 && !out))
		return -1;
	for (size_t i = 0; i < inlen; i++) {
		int v = b64url__value((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* Leftover bits must be zero: one spelling per byte string. */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	if (outlen)
		*outlen = o;
	return 0;
}

/* HMAC-SHA256(secret, scope | version | id) truncated to the tag length. */
static int cursor__tag(const unsigned char *secret, size_t secret_len, const char *scope,
		       const unsigned char body[9], unsigned char tag[CURSOR_TAG_LEN])
{
	unsigned char stackbuf[256];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t slen = strlen(scope);
	unsigned char *msg = stackbuf;
	int rv = -1;

	if (slen > sizeof(stackbuf) - 9) {
		msg = malloc(slen + 9);
		if (!msg)
			goto out;
	}
	memcpy(msg, scope, slen);
	memcpy(msg + slen, body, 9);
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, msg, slen + 9, md, &mdlen) ||
	    mdlen < CURSOR_TAG_LEN)
		goto out;
	memcpy(tag, md, CURSOR_TAG_LEN);
	rv = 0;
out:
	OPENSSL_cleanse(md, sizeof(md));
	if (msg != stackbuf)
		free(msg);
	return rv;
}

static bool cursor__args_ok(const unsigned char *secret, size_t secret_len, const char *scope)
{
	return secret && secret_len > 0 && secret_len <= 1024 && scope;
}

int cursor_encode(const unsigned char *secret, size_t secret_len, const char *scope,
		  int64_t last_id, char *out, size_t outsz)
{
	unsigned char raw[CURSOR_RAW_LEN];
	uint64_t id = (uint64_t)last_id;

	if (!cursor__args_ok(secret, secret_len, scope) || last_id < 0 || !out ||
	    outsz < CURSOR_TEXT_LEN + 1)
		return -1;
	raw[0] = CURSOR_VERSION;
	for (int i = 0; i < 8; i++)
		raw[1 + i] = (unsigned char)(id >> (56 - 8 * i));
	if (cursor__tag(secret, secret_len, scope, raw, raw + 9) != 0)
		return -1;
	return b64url_encode(raw, sizeof(raw), out, outsz) == CURSOR_TEXT_LEN ? 0 : -1;
}

int cursor_decode(const unsigned char *secret, size_t secret_len, const char *scope,
		  const char *cursor, int64_t *last_id)
{
	unsigned char raw[CURSOR_RAW_LEN];
	unsigned char tag[CURSOR_TAG_LEN];
	uint64_t id = 0;
	size_t n;

	if (!cursor__args_ok(secret, secret_len, scope) || !cursor || !last_id)
		return -1;
	if (strnlen(cursor, CURSOR_TEXT_LEN + 1) != CURSOR_TEXT_LEN)
		return -1;
	if (b64url_decode(cursor, CURSOR_TEXT_LEN, raw, sizeof(raw), &n) != 0 ||
	    n != CURSOR_RAW_LEN || raw[0] != CURSOR_VERSION)
		return -1;
	if (cursor__tag(secret, secret_len, scope, raw, tag) != 0 ||
	    CRYPTO_memcmp(tag, raw + 9, CURSOR_TAG_LEN) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		id = id << 8 | raw[1 + i];
	if (id > INT64_MAX)
		return -1;
	*last_id = (int64_t)id;
	return 0;
}
