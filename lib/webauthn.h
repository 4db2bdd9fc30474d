#ifndef HEARTH_WEBAUTHN_H
#define HEARTH_WEBAUTHN_H

/*
 * WebAuthn (passkeys): checking what a browser's authenticator produced
 * against what the server asked for.  Pure logic: no HTTP, no SQL, no
 * state.  Inputs are the raw bytes the browser hands back (already
 * base64url-decoded by the caller); every length is checked before it is
 * read.
 *
 * Supported: attestation format "none" (attStmt an empty map), and public
 * keys ES256 (COSE alg -7, P-256) and RS256 (COSE alg -257, 2048 to 4096
 * bits).  Public keys are kept as DER SubjectPublicKeyInfo.
 *
 * Every function returns an enum webauthn_err and, through why (may be
 * NULL), a short English reason in static storage, fit for a 4xx detail.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBAUTHN_ALG_ES256 (-7)
#define WEBAUTHN_ALG_RS256 (-257)

#define WEBAUTHN_CHALLENGE_LEN 32
#define WEBAUTHN_CRED_ID_MAX 1023
/* Larger inputs are refused before parsing: real ones are a few hundred
 * bytes, and a bound keeps CBOR nesting (freed recursively) shallow. */
#define WEBAUTHN_CLIENT_DATA_MAX 8192
#define WEBAUTHN_ATT_OBJ_MAX 16384
#define WEBAUTHN_AUTH_DATA_MAX 8192
#define WEBAUTHN_SIG_MAX 1024

/* authenticatorData flags */
#define WEBAUTHN_FLAG_UP 0x01
#define WEBAUTHN_FLAG_UV 0x04
#define WEBAUTHN_FLAG_BE 0x08
#define WEBAUTHN_FLAG_BS 0x10
#define WEBAUTHN_FLAG_AT 0x40
#define WEBAUTHN_FLAG_ED 0x80

enum webauthn_err {
	WEBAUTHN_OK = 0,
	WEBAUTHN_BAD_INPUT,        /* malformed: JSON, CBOR, lengths, types */
	WEBAUTHN_WRONG_TYPE,       /* clientData type is not the ceremony's */
	WEBAUTHN_WRONG_CHALLENGE,
	WEBAUTHN_WRONG_ORIGIN,     /* origin differs, or crossOrigin is true */
	WEBAUTHN_WRONG_RP,         /* rpIdHash is not SHA-256(rp_id) */
	WEBAUTHN_NO_PRESENCE,      /* UP flag missing */
	WEBAUTHN_NO_VERIFICATION,  /* UV flag missing where it was required */
	WEBAUTHN_UNSUPPORTED,      /* attestation format or key type not supported */
	WEBAUTHN_BAD_SIGNATURE,
	WEBAUTHN_COUNTER,          /* signature counter did not move forward */
	WEBAUTHN_INTERNAL,         /* allocation or OpenSSL failure */
};

/* A short name of the code ("bad_signature"...), static storage. */
const char *webauthn_err_name(enum webauthn_err e);

/* What the relying party (this server) expects; all borrowed. */
struct webauthn_rp {
	const char *rp_id;   /* "home.example" */
	const char *origin;  /* "https://home.example" (exact match) */
	bool require_uv;     /* refuse without the UV flag */
};

/* authenticatorData, parsed.  Pointers borrow from the parsed buffer. */
struct webauthn_auth_data {
	const unsigned char *rp_id_hash;  /* 32 bytes */
	uint8_t flags;
	uint32_t sign_count;
	bool attested;                    /* AT: the fields below are set */
	const unsigned char *aaguid;      /* 16 bytes */
	const unsigned char *cred_id;
	size_t cred_id_len;               /* 1..WEBAUTHN_CRED_ID_MAX */
	const unsigned char *cose_key;
	size_t cose_key_len;
};

/* Parse authenticatorData (p, n borrowed; out borrows from p).  Checks the
 * structure only: lengths, the attested credential data, that the COSE
 * key and extensions are one well-formed CBOR item each and nothing
 * trails. */
enum webauthn_err webauthn_auth_data_parse(const unsigned char *p, size_t n,
					   struct webauthn_auth_data *out, const char **why);

/*
 * The challenge inside clientDataJSON, base64url-decoded into out (outsz
 * bytes; *outlen set), so the caller can find which stored challenge it
 * answers before verifying the rest.
 */
enum webauthn_err webauthn_client_data_challenge(const unsigned char *cd, size_t cdlen,
						 unsigned char *out, size_t outsz,
						 size_t *outlen, const char **why);

/*
 * COSE_Key (CBOR, borrowed) to DER SubjectPublicKeyInfo: *der is a new
 * malloc'd buffer of *derlen bytes (free()), *alg the COSE algorithm.
 */
enum webauthn_err webauthn_cose_to_spki(const unsigned char *cose, size_t len, int *alg,
					unsigned char **der, size_t *derlen, const char **why);

/* A registered credential, as webauthn_verify_registration makes it. */
struct webauthn_credential {
	unsigned char cred_id[WEBAUTHN_CRED_ID_MAX];
	size_t cred_id_len;
	int alg;                    /* WEBAUTHN_ALG_* */
	unsigned char *public_key;  /* DER SubjectPublicKeyInfo, owned: webauthn_credential_clear */
	size_t public_key_len;
	uint32_t sign_count;
	unsigned char aaguid[16];
	uint8_t flags;
};

/* Free what a credential owns (safe on a zeroed one, and twice). */
void webauthn_credential_clear(struct webauthn_credential *cred);

/*
 * navigator.credentials.create(): check clientDataJSON (type
 * "webauthn.create", challenge equal to the expected one, origin, not
 * cross-origin) and the attestation object (fmt "none", authData for
 * rp_id with UP, and UV when required, and a supported public key).
 * All inputs borrowed; on WEBAUTHN_OK *out is filled (clear it after).
 */
enum webauthn_err webauthn_verify_registration(const struct webauthn_rp *rp,
					       const unsigned char *challenge, size_t challenge_len,
					       const unsigned char *client_data, size_t cdlen,
					       const unsigned char *att_obj, size_t att_len,
					       struct webauthn_credential *out, const char **why);

/* A stored credential an assertion is checked against; borrowed. */
struct webauthn_stored_key {
	int alg;
	const unsigned char *public_key;  /* DER SubjectPublicKeyInfo */
	size_t public_key_len;
	uint32_t sign_count;
};

/*
 * navigator.credentials.get(): check clientDataJSON (type "webauthn.get"),
 * authenticatorData (rp_id, UP, UV when required), the signature over
 * authenticatorData || SHA-256(clientDataJSON) with the stored key, and
 * the signature counter: when the stored or the new counter is not zero,
 * the new one must be greater (else WEBAUTHN_COUNTER: a cloned
 * authenticator, for the caller to log).  *new_count gets the counter
 * read (also on WEBAUTHN_COUNTER).  All inputs borrowed.
 */
enum webauthn_err webauthn_verify_assertion(const struct webauthn_rp *rp,
					    const unsigned char *challenge, size_t challenge_len,
					    const unsigned char *client_data, size_t cdlen,
					    const unsigned char *auth_data, size_t adlen,
					    const unsigned char *sig, size_t siglen,
					    const struct webauthn_stored_key *key,
					    uint32_t *new_count, const char **why);

#endif
