#ifndef HEARTH_PASSWORD_H
#define HEARTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * People's passwords: Argon2id through libsodium's crypto_pwhash_str, whose
 * result is a self-describing string ($argon2id$v=19$m=...,t=...,p=1$...)
 * holding the salt and the parameters, so raising the cost later only
 * needs password_needs_rehash at the next sign-in.  A password is never
 * logged, stored or returned; callers wipe their copies.
 */
#define PASSWORD_HASH_MAX 128   /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_BYTES 1024 /* longer is refused rather than hashed */

/* Hash pw into out.  0, or -1 when memory or libsodium failed. */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);

/* Whether pw matches the stored hash.  Costs one Argon2id run. */
bool password_verify(const char *hash, const char *pw);

/*
 * Spend the time a verification would, for a user who does not exist, so
 * that a wrong name and a wrong password cannot be told apart by timing.
 */
void password_verify_dummy(const char *pw);

/* Whether hash was made with other parameters than today's. */
bool password_needs_rehash(const char *hash);

/*
 * Why pw may not be used, or NULL when it may: shorter than
 * PASSWORD_MIN_CHARS characters, longer than PASSWORD_MAX_BYTES, not
 * UTF-8, the user's own name, or one of the most common passwords.
 * username may be NULL.
 */
const char *password_refusal(const char *pw, const char *username);

/* Whether pw (any case) is on the shipped list of common passwords. */
bool password_is_common(const char *pw);

#endif
