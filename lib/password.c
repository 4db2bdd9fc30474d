/*
 * Argon2id password hashing (libsodium).
 *
 * Cost: t = 2 passes over m = 19 MiB, one lane: the OWASP baseline for
 * Argon2id.  Argon2 is bound by memory bandwidth; a Raspberry Pi 4 moves
 * memory about four times slower than a current x86 core, where one
 * verification takes 25-35 ms, so it lands at roughly 80-100 ms there:
 * slow enough that a stolen database gives up a few hundred guesses a
 * second per core, quick enough that signing in on the smallest box does
 * not feel slow, and small enough (19 MiB for the length of one call,
 * returned to the system afterwards) for a worker on a 1 GiB machine.
 * bench/accounts.sh reports logins per second on the box at hand.
 */
#include "password.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "log.h"
#include "validate.h"

#define PASSWORD_OPSLIMIT 2ULL
#define PASSWORD_MEMLIMIT (19U * 1024U * 1024U)

_Static_assert(PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "hash buffer size");

static pthread_once_t password_once = PTHREAD_ONCE_INIT;
static int password_ready = -1;
static char password_dummy[PASSWORD_HASH_MAX];

static void password__init(void)
{
	unsigned char random_pw[32];

	if (sodium_init() < 0) {
		LOG(LOG_ERR, "password: libsodium did not initialise");
		return;
	}
	/* A hash of a random password with today's parameters: verifying
	 * against it costs what a real verification costs, and matches
	 * nothing anyone can type. */
	randombytes_buf(random_pw, sizeof(random_pw));
	if (crypto_pwhash_str(password_dummy, (const char *)random_pw, sizeof(random_pw),
			      PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0) {
		LOG(LOG_ERR, "password: could not make the stand-in hash (out of memory?)");
		return;
	}
	sodium_memzero(random_pw, sizeof(random_pw));
	password_ready = 0;
}

static int password__ready(void)
{
	pthread_once(&password_once, password__init);
	return password_ready;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	size_t len = pw ? strlen(pw) : 0;

	memset(out, 0, PASSWORD_HASH_MAX);
	if (!pw || len > PASSWORD_MAX_BYTES || password__ready() != 0)
		return -1;
	if (crypto_pwhash_str(out, pw, len, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0) {
		LOG(LOG_ERR, "password: hashing failed (out of memory?)");
		return -1;
	}
	return 0;
}

bool password_verify(const char *hash, const char *pw)
{
	size_t len = pw ? strlen(pw) : 0;

	if (!hash || !pw || password__ready() != 0)
		return false;
	if (len > PASSWORD_MAX_BYTES) {
		/* Still spend the time: the length says nothing either. */
		password_verify_dummy("");
		return false;
	}
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

void password_verify_dummy(const char *pw)
{
	size_t len = pw ? strnlen(pw, PASSWORD_MAX_BYTES) : 0;

	if (password__ready() != 0)
		return;
	(void)!crypto_pwhash_str_verify(password_dummy, pw ? pw : "", len);
}

bool password_needs_rehash(const char *hash)
{
	return !hash ||
	       crypto_pwhash_str_needs_rehash(hash, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0;
}

/* The shipped list (password_common.c): lowercase, sorted by strcmp. */
extern const char *const password_common[];
extern const size_t password_common_count;

static int password__cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool password_is_common(const char *pw)
{
	char lower[64];
	size_t len = pw ? strlen(pw) : 0;

	/* Nothing on the list is this long. */
	if (!pw || len >= sizeof(lower))
		return false;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)pw[i]);
	return bsearch(lower, password_common, password_common_count, sizeof(password_common[0]),
		       password__cmp) != NULL;
}

const char *password_refusal(const char *pw, const char *username)
{
	size_t len;

	if (!pw)
		return "a password is required";
	len = strlen(pw);
	if (len > PASSWORD_MAX_BYTES)
		return "the password is longer than 1024 bytes";
	if (utf8_length(pw, len) < PASSWORD_MIN_CHARS)
		return "the password must have at least 8 characters";
	if (username && strcasecmp(pw, username) == 0)
		return "the password must not be the user name";
	if (password_is_common(pw))
		return "this password is one of the most common ones; choose another";
	return NULL;
}
