#ifndef HEARTH_CURSOR_H
#define HEARTH_CURSOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Pagination cursors: opaque base64url (no padding) of
 *   version byte | 8-byte big-endian last id | first 12 bytes of
 *   HMAC-SHA256(secret, scope | version | id)
 * scope names the list ("rooms", "sensors:<filters>") so a cursor from one
 * list is refused by another.  A cursor that does not verify is refused.
 */
#define CURSOR_MAX 64

/* base64url without padding.  Returns the length written (excluding NUL),
 * or 0 when out is too small. */
size_t b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz);
/* Decode; -1 on a bad character, bad length, or when out is too small. */
int b64url_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz, size_t *outlen);

/* 0, or -1 when out is too small. */
int cursor_encode(const unsigned char *secret, size_t secret_len, const char *scope,
		  int64_t last_id, char *out, size_t outsz);
/* 0 and *last_id, or -1 for a malformed or forged cursor. */
int cursor_decode(const unsigned char *secret, size_t secret_len, const char *scope,
		  const char *cursor, int64_t *last_id);

#endif
