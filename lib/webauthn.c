/*
 * WebAuthn verification (W3C Web Authentication level 2, sections 7.1 and
 * 7.2), the parts a relying party that asks for attestation "none" needs.
 * CBOR through libcbor, JSON through Jansson, keys and signatures through
 * OpenSSL 3.  Reads are bounded by explicit length checks; secrets and
 * hashes are compared with CRYPTO_memcmp.
 */
#include "webauthn.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "cursor.h"

#define WA_RP_HASH_LEN 32
#define WA_AAGUID_LEN 16
/* rpIdHash, flags, signCount */
#define WA_AUTH_DATA_MIN (WA_RP_HASH_LEN + 1 + 4)
#define WA_EC_COORD_LEN 32
#define WA_RSA_MIN_BYTES 256  /* 2048 bits */
#define WA_RSA_MAX_BYTES 512  /* 4096 bits */
#define WA_RSA_E_MAX 8

/* COSE labels (RFC 9052, RFC 9053, RFC 8230) */
#define COSE_KTY 1
#define COSE_ALG 3
#define COSE_EC2_CRV (-1)
#define COSE_EC2_X (-2)
#define COSE_EC2_Y (-3)
#define COSE_RSA_N (-1)
#define COSE_RSA_E (-2)
#define COSE_KTY_EC2 2
#define COSE_KTY_RSA 3
#define COSE_CRV_P256 1

static enum webauthn_err wa__fail(const char **why, enum webauthn_err e, const char *reason)
{
	if (why)
		*why = reason;
	return e;
}

const char *webauthn_err_name(enum webauthn_err e)
{
	switch (e) {
	case WEBAUTHN_OK: return "ok";
	case WEBAUTHN_BAD_INPUT: return "bad_input";
	case WEBAUTHN_WRONG_TYPE: return "wrong_type";
	case WEBAUTHN_WRONG_CHALLENGE: return "wrong_challenge";
	case WEBAUTHN_WRONG_ORIGIN: return "wrong_origin";
	case WEBAUTHN_WRONG_RP: return "wrong_rp";
	case WEBAUTHN_NO_PRESENCE: return "no_user_presence";
	case WEBAUTHN_NO_VERIFICATION: return "no_user_verification";
	case WEBAUTHN_UNSUPPORTED: return "unsupported";
	case WEBAUTHN_BAD_SIGNATURE: return "bad_signature";
	case WEBAUTHN_COUNTER: return "counter";
	case WEBAUTHN_INTERNAL: return "internal";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ CBOR */

/*
 * Walk one CBOR item without building it: 0 and the bytes it takes, or -1.
 * libcbor allocates arrays and maps by their declared size before reading
 * their elements, so a few bytes could ask for gigabytes; here every
 * declared count must fit in the bytes that are left (each element takes
 * at least one).  Indefinite lengths are refused: CTAP2 encodes
 * canonically, with definite lengths only.
 */
static int wa__cbor_precheck(const unsigned char *p, size_t n, size_t *used)
{
	size_t off = 0, pending = 1;

	while (pending > 0) {
		unsigned major, info;
		uint64_t arg;
		size_t extra;

		if (off >= n)
			return -1;
		major = p[off] >> 5;
		info = p[off] & 0x1f;
		off++;
		if (info < 24) {
			arg = info;
			extra = 0;
		} else if (info <= 27) {
			extra = (size_t)1 << (info - 24);
			if (n - off < extra)
				return -1;
			arg = 0;
			for (size_t i = 0; i < extra; i++)
				arg = arg << 8 | p[off + i];
			off += extra;
		} else {
			return -1; /* reserved, or indefinite length */
		}
		pending--;
		switch (major) {
		case 0: case 1: case 7:
			break;
		case 2: case 3:
			if (arg > n - off)
				return -1;
			off += (size_t)arg;
			break;
		case 4:
			if (arg > n - off)
				return -1;
			pending += (size_t)arg;
			break;
		case 5:
			if (arg > (n - off) / 2)
				return -1;
			pending += 2 * (size_t)arg;
			break;
		case 6:
			pending++;
			break;
		}
		if (pending > n - off)
			return -1;
	}
	*used = off;
	return 0;
}

/* One whole, well-formed CBOR item in p..p+n: the item (a new reference)
 * and how many bytes it took, or NULL. */
static cbor_item_t *wa__cbor_load(const unsigned char *p, size_t n, size_t *used)
{
	struct cbor_load_result res;
	cbor_item_t *item;
	size_t len = 0;

	if (n == 0 || wa__cbor_precheck(p, n, &len) != 0)
		return NULL;
	n = len;
	memset(&res, 0, sizeof(res));
	item = cbor_load(p, n, &res);
	if (!item || res.error.code != CBOR_ERR_NONE || res.read == 0 || res.read > n) {
		if (item)
			cbor_decref(&item);
		return NULL;
	}
	*used = res.read;
	return item;
}

/* An integer item as int64 (negative integers included); -1 when not an
 * integer or out of range. */
static int wa__cbor_int(const cbor_item_t *it, int64_t *out)
{
	uint64_t v;

	if (cbor_isa_uint(it)) {
		v = cbor_get_int(it);
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
		return 0;
	}
	if (cbor_isa_negint(it)) {
		v = cbor_get_int(it);
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = -1 - (int64_t)v;
		return 0;
	}
	return -1;
}

/* The value under integer key `key` in map m (borrowed), or NULL. */
static cbor_item_t *wa__map_int_key(const cbor_item_t *m, int64_t key)
{
	struct cbor_pair *pairs = cbor_map_handle(m);
	size_t n = cbor_map_size(m);
	int64_t k;

	for (size_t i = 0; i < n; i++)
		if (wa__cbor_int(pairs[i].key, &k) == 0 && k == key)
			return pairs[i].value;
	return NULL;
}

/* The value under text key `key` in map m (borrowed), or NULL. */
static cbor_item_t *wa__map_str_key(const cbor_item_t *m, const char *key)
{
	struct cbor_pair *pairs = cbor_map_handle(m);
	size_t n = cbor_map_size(m), klen = strlen(key);

	for (size_t i = 0; i < n; i++) {
		const cbor_item_t *k = pairs[i].key;

		if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
		    cbor_string_length(k) == klen && memcmp(cbor_string_handle(k), key, klen) == 0)
			return pairs[i].value;
	}
	return NULL;
}

/* A definite byte string's bytes, or NULL. */
static const unsigned char *wa__bytes(const cbor_item_t *it, size_t *len)
{
	if (!it || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
		return NULL;
	*len = cbor_bytestring_length(it);
	return cbor_bytestring_handle(it);
}

/* ---------------------------------------------------------- authData */

enum webauthn_err webauthn_auth_data_parse(const unsigned char *p, size_t n,
					   struct webauthn_auth_data *out, const char **why)
{
	cbor_item_t *item = NULL;
	size_t off = WA_AUTH_DATA_MIN, used = 0;
	enum webauthn_err rc = WEBAUTHN_BAD_INPUT;
	const char *reason = "authenticatorData is malformed";

	memset(out, 0, sizeof(*out));
	if (!p || n < WA_AUTH_DATA_MIN) {
		reason = "authenticatorData is shorter than 37 bytes";
		goto out;
	}
	if (n > WEBAUTHN_AUTH_DATA_MAX) {
		reason = "authenticatorData is too long";
		goto out;
	}
	out->rp_id_hash = p;
	out->flags = p[WA_RP_HASH_LEN];
	out->sign_count = (uint32_t)p[33] << 24 | (uint32_t)p[34] << 16 | (uint32_t)p[35] << 8 |
			  (uint32_t)p[36];

	if (out->flags & WEBAUTHN_FLAG_AT) {
		size_t idlen;

		if (n - off < WA_AAGUID_LEN + 2) {
			reason = "attested credential data is truncated";
			goto out;
		}
		out->attested = true;
		out->aaguid = p + off;
		off += WA_AAGUID_LEN;
		idlen = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (idlen == 0 || idlen > WEBAUTHN_CRED_ID_MAX) {
			reason = "credential id length is not 1 to 1023 bytes";
			goto out;
		}
		if (n - off < idlen) {
			reason = "credential id is truncated";
			goto out;
		}
		out->cred_id = p + off;
		out->cred_id_len = idlen;
		off += idlen;
		item = wa__cbor_load(p + off, n - off, &used);
		if (!item || !cbor_isa_map(item) || !cbor_map_is_definite(item)) {
			reason = "credential public key is not a CBOR map";
			goto out;
		}
		cbor_decref(&item);
		out->cose_key = p + off;
		out->cose_key_len = used;
		off += used;
	}
	if (out->flags & WEBAUTHN_FLAG_ED) {
		item = wa__cbor_load(p + off, n - off, &used);
		if (!item || !cbor_isa_map(item)) {
			reason = "extensions are not a CBOR map";
			goto out;
		}
		cbor_decref(&item);
		off += used;
	}
	if (off != n) {
		reason = "authenticatorData has trailing bytes";
		goto out;
	}
	rc = WEBAUTHN_OK;
	reason = NULL;
out:
	if (item)
		cbor_decref(&item);
	if (rc != WEBAUTHN_OK) {
		memset(out, 0, sizeof(*out));
		return wa__fail(why, rc, reason);
	}
	return WEBAUTHN_OK;
}

/* rpIdHash, UP and UV against what rp expects. */
static enum webauthn_err wa__check_auth_data(const struct webauthn_rp *rp,
					     const struct webauthn_auth_data *ad, const char **why)
{
	unsigned char h[WA_RP_HASH_LEN];
	unsigned int hlen = 0;

	if (!EVP_Digest(rp->rp_id, strlen(rp->rp_id), h, &hlen, EVP_sha256(), NULL) ||
	    hlen != sizeof(h))
		return wa__fail(why, WEBAUTHN_INTERNAL, "could not hash the rp id");
	if (CRYPTO_memcmp(h, ad->rp_id_hash, sizeof(h)) != 0)
		return wa__fail(why, WEBAUTHN_WRONG_RP,
				"the authenticator answered for another relying party id");
	if (!(ad->flags & WEBAUTHN_FLAG_UP))
		return wa__fail(why, WEBAUTHN_NO_PRESENCE, "the user was not present (UP flag)");
	if (rp->require_uv && !(ad->flags & WEBAUTHN_FLAG_UV))
		return wa__fail(why, WEBAUTHN_NO_VERIFICATION,
				"the user was not verified (UV flag)");
	return WEBAUTHN_OK;
}

/* -------------------------------------------------------- clientDataJSON */

struct wa_client_data {
	json_t *root;
	const char *type;
	const char *challenge;
	const char *origin;
	int cross_origin;
};

static enum webauthn_err wa__client_data_parse(const unsigned char *cd, size_t cdlen,
					       struct wa_client_data *out, const char **why)
{
	json_error_t jerr;

	memset(out, 0, sizeof(*out));
	if (!cd || cdlen == 0 || cdlen > WEBAUTHN_CLIENT_DATA_MAX)
		return wa__fail(why, WEBAUTHN_BAD_INPUT, "clientDataJSON is empty or too long");
	out->root = json_loadb((const char *)cd, cdlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!out->root || !json_is_object(out->root)) {
		json_decref(out->root);
		out->root = NULL;
		return wa__fail(why, WEBAUTHN_BAD_INPUT, "clientDataJSON is not a JSON object");
	}
	/* Not strict: browsers add keys of their own on purpose. */
	if (json_unpack_ex(out->root, &jerr, 0, "{s:s, s:s, s:s, s?b}", "type", &out->type,
			   "challenge", &out->challenge, "origin", &out->origin, "crossOrigin",
			   &out->cross_origin) != 0) {
		json_decref(out->root);
		memset(out, 0, sizeof(*out));
		return wa__fail(why, WEBAUTHN_BAD_INPUT,
				"clientDataJSON needs string type, challenge and origin, "
				"and crossOrigin a boolean");
	}
	return WEBAUTHN_OK;
}

enum webauthn_err webauthn_client_data_challenge(const unsigned char *cd, size_t cdlen,
						 unsigned char *out, size_t outsz,
						 size_t *outlen, const char **why)
{
	struct wa_client_data d;
	enum webauthn_err rc;

	*outlen = 0;
	if ((rc = wa__client_data_parse(cd, cdlen, &d, why)) != WEBAUTHN_OK)
		return rc;
	if (b64url_decode(d.challenge, strlen(d.challenge), out, outsz, outlen) != 0) {
		*outlen = 0;
		rc = wa__fail(why, WEBAUTHN_WRONG_CHALLENGE,
			      "the challenge in clientDataJSON is not base64url of a known size");
	}
	json_decref(d.root);
	return rc;
}

/* Type, challenge (constant time), origin (exact) and crossOrigin. */
static enum webauthn_err wa__check_client_data(const struct webauthn_rp *rp, const char *type,
					       const unsigned char *challenge,
					       size_t challenge_len, const unsigned char *cd,
					       size_t cdlen, const char **why)
{
	struct wa_client_data d;
	unsigned char got[WEBAUTHN_CHALLENGE_LEN * 2];
	size_t gotlen = 0;
	enum webauthn_err rc;

	if ((rc = wa__client_data_parse(cd, cdlen, &d, why)) != WEBAUTHN_OK)
		return rc;
	if (strcmp(d.type, type) != 0) {
		rc = wa__fail(why, WEBAUTHN_WRONG_TYPE,
			      strcmp(type, "webauthn.create") == 0
				      ? "clientDataJSON type is not webauthn.create"
				      : "clientDataJSON type is not webauthn.get");
		goto out;
	}
	if (challenge_len == 0 || challenge_len > sizeof(got) ||
	    b64url_decode(d.challenge, strlen(d.challenge), got, sizeof(got), &gotlen) != 0 ||
	    gotlen != challenge_len || CRYPTO_memcmp(got, challenge, challenge_len) != 0) {
		rc = wa__fail(why, WEBAUTHN_WRONG_CHALLENGE,
			      "the challenge is not the one this server issued");
		goto out;
	}
	if (strcmp(d.origin, rp->origin) != 0) {
		rc = wa__fail(why, WEBAUTHN_WRONG_ORIGIN,
			      "the origin is not this server's configured origin");
		goto out;
	}
	if (d.cross_origin) {
		rc = wa__fail(why, WEBAUTHN_WRONG_ORIGIN, "cross-origin ceremonies are refused");
		goto out;
	}
	rc = WEBAUTHN_OK;
out:
	json_decref(d.root);
	return rc;
}

/* ------------------------------------------------------------ COSE keys */

static EVP_PKEY *wa__pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!params)
		goto out;
	if (!(ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	/* The point must be on the curve; the RSA modulus sane. */
	if (!(check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
	    EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *wa__ec2_key(const cbor_item_t *m, const char **reason)
{
	unsigned char point[1 + 2 * WA_EC_COORD_LEN];
	const unsigned char *x, *y;
	size_t xlen = 0, ylen = 0;
	const cbor_item_t *crv = wa__map_int_key(m, COSE_EC2_CRV);
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int64_t v;

	if (!crv || wa__cbor_int(crv, &v) != 0 || v != COSE_CRV_P256) {
		*reason = "ES256 key is not on curve P-256 (crv 1)";
		return NULL;
	}
	x = wa__bytes(wa__map_int_key(m, COSE_EC2_X), &xlen);
	y = wa__bytes(wa__map_int_key(m, COSE_EC2_Y), &ylen);
	if (!x || !y || xlen != WA_EC_COORD_LEN || ylen != WA_EC_COORD_LEN) {
		*reason = "ES256 key needs x and y of 32 bytes each";
		return NULL;
	}
	point[0] = 0x04;
	memcpy(point + 1, x, WA_EC_COORD_LEN);
	memcpy(point + 1 + WA_EC_COORD_LEN, y, WA_EC_COORD_LEN);
	*reason = "ES256 key is not a point on P-256";
	if (!(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		goto out;
	pkey = wa__pkey_fromdata("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *wa__rsa_key(const cbor_item_t *m, const char **reason)
{
	const unsigned char *n, *e;
	size_t nlen = 0, elen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pkey = NULL;

	n = wa__bytes(wa__map_int_key(m, COSE_RSA_N), &nlen);
	e = wa__bytes(wa__map_int_key(m, COSE_RSA_E), &elen);
	if (!n || !e || nlen < WA_RSA_MIN_BYTES || nlen > WA_RSA_MAX_BYTES || n[0] == 0 ||
	    elen == 0 || elen > WA_RSA_E_MAX) {
		*reason = "RS256 key needs a 2048 to 4096 bit modulus n and an exponent e";
		return NULL;
	}
	*reason = "RS256 key is not a valid RSA public key";
	if (!(bn = BN_bin2bn(n, (int)nlen, NULL)) || !(be = BN_bin2bn(e, (int)elen, NULL)) ||
	    !(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	pkey = wa__pkey_fromdata("RSA", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

enum webauthn_err webauthn_cose_to_spki(const unsigned char *cose, size_t len, int *alg,
					unsigned char **der, size_t *derlen, const char **why)
{
	cbor_item_t *m = NULL;
	const cbor_item_t *it;
	EVP_PKEY *pkey = NULL;
	unsigned char *buf = NULL, *w;
	enum webauthn_err rc = WEBAUTHN_BAD_INPUT;
	const char *reason = "credential public key is not a COSE key map";
	size_t used = 0;
	int64_t kty, a;
	int n;

	*der = NULL;
	*derlen = 0;
	*alg = 0;
	m = wa__cbor_load(cose, len, &used);
	if (!m || used != len || !cbor_isa_map(m) || !cbor_map_is_definite(m))
		goto out;
	if (!(it = wa__map_int_key(m, COSE_KTY)) || wa__cbor_int(it, &kty) != 0 ||
	    !(it = wa__map_int_key(m, COSE_ALG)) || wa__cbor_int(it, &a) != 0) {
		reason = "COSE key needs integer kty (1) and alg (3)";
		goto out;
	}
	if (kty == COSE_KTY_EC2 && a == WEBAUTHN_ALG_ES256) {
		pkey = wa__ec2_key(m, &reason);
	} else if (kty == COSE_KTY_RSA && a == WEBAUTHN_ALG_RS256) {
		pkey = wa__rsa_key(m, &reason);
	} else {
		rc = WEBAUTHN_UNSUPPORTED;
		reason = "only ES256 (EC2, alg -7) and RS256 (RSA, alg -257) keys are supported";
		goto out;
	}
	if (!pkey)
		goto out;
	if ((n = i2d_PUBKEY(pkey, NULL)) <= 0 || !(buf = malloc((size_t)n))) {
		rc = WEBAUTHN_INTERNAL;
		reason = "could not encode the public key";
		goto out;
	}
	w = buf;
	if (i2d_PUBKEY(pkey, &w) != n) {
		rc = WEBAUTHN_INTERNAL;
		reason = "could not encode the public key";
		goto out;
	}
	*der = buf;
	*derlen = (size_t)n;
	*alg = (int)a;
	buf = NULL;
	rc = WEBAUTHN_OK;
out:
	free(buf);
	EVP_PKEY_free(pkey);
	if (m)
		cbor_decref(&m);
	return rc == WEBAUTHN_OK ? rc : wa__fail(why, rc, reason);
}

/* ------------------------------------------------------------ registration */

void webauthn_credential_clear(struct webauthn_credential *cred)
{
	free(cred->public_key);
	memset(cred, 0, sizeof(*cred));
}

/* The attestation object {fmt, attStmt, authData}: fmt must be "none" with
 * an empty attStmt; *auth_data borrows from *root (a new reference). */
static enum webauthn_err wa__att_obj_parse(const unsigned char *att, size_t len,
					   cbor_item_t **root, const unsigned char **auth_data,
					   size_t *adlen, const char **why)
{
	const cbor_item_t *fmt, *stmt;
	size_t used = 0;
	cbor_item_t *m;

	*root = NULL;
	if (!att || len == 0 || len > WEBAUTHN_ATT_OBJ_MAX)
		return wa__fail(why, WEBAUTHN_BAD_INPUT, "attestationObject is empty or too long");
	m = wa__cbor_load(att, len, &used);
	if (!m || used != len || !cbor_isa_map(m) || !cbor_map_is_definite(m)) {
		if (m)
			cbor_decref(&m);
		return wa__fail(why, WEBAUTHN_BAD_INPUT, "attestationObject is not one CBOR map");
	}
	fmt = wa__map_str_key(m, "fmt");
	stmt = wa__map_str_key(m, "attStmt");
	*auth_data = wa__bytes(wa__map_str_key(m, "authData"), adlen);
	if (!fmt || !cbor_isa_string(fmt) || !cbor_string_is_definite(fmt) || !stmt ||
	    !cbor_isa_map(stmt) || !*auth_data) {
		cbor_decref(&m);
		return wa__fail(why, WEBAUTHN_BAD_INPUT,
				"attestationObject needs fmt (text), attStmt (map) and authData "
				"(bytes)");
	}
	if (cbor_string_length(fmt) != 4 || memcmp(cbor_string_handle(fmt), "none", 4) != 0) {
		cbor_decref(&m);
		return wa__fail(why, WEBAUTHN_UNSUPPORTED,
				"only attestation format \"none\" is accepted (the options ask "
				"for attestation \"none\")");
	}
	if (!cbor_map_is_definite(stmt) || cbor_map_size(stmt) != 0) {
		cbor_decref(&m);
		return wa__fail(why, WEBAUTHN_BAD_INPUT,
				"attestation format \"none\" needs an empty attStmt");
	}
	*root = m;
	return WEBAUTHN_OK;
}

enum webauthn_err webauthn_verify_registration(const struct webauthn_rp *rp,
					       const unsigned char *challenge, size_t challenge_len,
					       const unsigned char *client_data, size_t cdlen,
					       const unsigned char *att_obj, size_t att_len,
					       struct webauthn_credential *out, const char **why)
{
	struct webauthn_auth_data ad;
	cbor_item_t *root = NULL;
	const unsigned char *auth_data = NULL;
	size_t adlen = 0;
	enum webauthn_err rc;

	memset(out, 0, sizeof(*out));
	if ((rc = wa__check_client_data(rp, "webauthn.create", challenge, challenge_len,
					client_data, cdlen, why)) != WEBAUTHN_OK)
		goto out;
	if ((rc = wa__att_obj_parse(att_obj, att_len, &root, &auth_data, &adlen, why)) !=
	    WEBAUTHN_OK)
		goto out;
	if ((rc = webauthn_auth_data_parse(auth_data, adlen, &ad, why)) != WEBAUTHN_OK)
		goto out;
	if ((rc = wa__check_auth_data(rp, &ad, why)) != WEBAUTHN_OK)
		goto out;
	if (!ad.attested) {
		rc = wa__fail(why, WEBAUTHN_BAD_INPUT,
			      "authenticatorData carries no attested credential data (AT flag)");
		goto out;
	}
	if ((rc = webauthn_cose_to_spki(ad.cose_key, ad.cose_key_len, &out->alg,
					&out->public_key, &out->public_key_len, why)) !=
	    WEBAUTHN_OK)
		goto out;
	memcpy(out->cred_id, ad.cred_id, ad.cred_id_len);
	out->cred_id_len = ad.cred_id_len;
	memcpy(out->aaguid, ad.aaguid, WA_AAGUID_LEN);
	out->sign_count = ad.sign_count;
	out->flags = ad.flags;
out:
	if (root)
		cbor_decref(&root);
	if (rc != WEBAUTHN_OK)
		webauthn_credential_clear(out);
	return rc;
}

/* -------------------------------------------------------------- assertion */

static enum webauthn_err wa__verify_signature(const struct webauthn_stored_key *key,
					      const unsigned char *auth_data, size_t adlen,
					      const unsigned char *client_data, size_t cdlen,
					      const unsigned char *sig, size_t siglen,
					      const char **why)
{
	const unsigned char *p = key->public_key;
	unsigned char cd_hash[32], *msg = NULL;
	unsigned int hlen = 0;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	enum webauthn_err rc = WEBAUTHN_INTERNAL;
	const char *reason = "could not verify the signature";
	int want, v;

	if (!sig || siglen == 0 || siglen > WEBAUTHN_SIG_MAX)
		return wa__fail(why, WEBAUTHN_BAD_SIGNATURE, "the signature is empty or too long");
	switch (key->alg) {
	case WEBAUTHN_ALG_ES256: want = EVP_PKEY_EC; break;
	case WEBAUTHN_ALG_RS256: want = EVP_PKEY_RSA; break;
	default:
		return wa__fail(why, WEBAUTHN_UNSUPPORTED, "the stored key's algorithm is unknown");
	}
	if (!key->public_key || key->public_key_len == 0 || key->public_key_len > LONG_MAX ||
	    !(pkey = d2i_PUBKEY(NULL, &p, (long)key->public_key_len)) ||
	    p != key->public_key + key->public_key_len || EVP_PKEY_get_base_id(pkey) != want) {
		reason = "the stored public key does not match its algorithm";
		goto out;
	}
	if (!EVP_Digest(client_data, cdlen, cd_hash, &hlen, EVP_sha256(), NULL) ||
	    hlen != sizeof(cd_hash))
		goto out;
	if (!(msg = malloc(adlen + sizeof(cd_hash))))
		goto out;
	memcpy(msg, auth_data, adlen);
	memcpy(msg + adlen, cd_hash, sizeof(cd_hash));
	/* EC: DER ECDSA-Sig-Value; RSA: PKCS#1 v1.5, OpenSSL's default. */
	if (!(md = EVP_MD_CTX_new()) ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1)
		goto out;
	v = EVP_DigestVerify(md, sig, siglen, msg, adlen + sizeof(cd_hash));
	if (v != 1) {
		rc = WEBAUTHN_BAD_SIGNATURE;
		reason = "the signature does not verify with the registered key";
		goto out;
	}
	rc = WEBAUTHN_OK;
out:
	free(msg);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc == WEBAUTHN_OK ? rc : wa__fail(why, rc, reason);
}

enum webauthn_err webauthn_verify_assertion(const struct webauthn_rp *rp,
					    const unsigned char *challenge, size_t challenge_len,
					    const unsigned char *client_data, size_t cdlen,
					    const unsigned char *auth_data, size_t adlen,
					    const unsigned char *sig, size_t siglen,
					    const struct webauthn_stored_key *key,
					    uint32_t *new_count, const char **why)
{
	struct webauthn_auth_data ad;
	enum webauthn_err rc;

	*new_count = 0;
	if ((rc = wa__check_client_data(rp, "webauthn.get", challenge, challenge_len,
					client_data, cdlen, why)) != WEBAUTHN_OK)
		return rc;
	if ((rc = webauthn_auth_data_parse(auth_data, adlen, &ad, why)) != WEBAUTHN_OK)
		return rc;
	if (ad.attested)
		return wa__fail(why, WEBAUTHN_BAD_INPUT,
				"an assertion's authenticatorData carries no credential data");
	if ((rc = wa__check_auth_data(rp, &ad, why)) != WEBAUTHN_OK)
		return rc;
	if ((rc = wa__verify_signature(key, auth_data, adlen, client_data, cdlen, sig, siglen,
				       why)) != WEBAUTHN_OK)
		return rc;
	*new_count = ad.sign_count;
	if ((key->sign_count != 0 || ad.sign_count != 0) && ad.sign_count <= key->sign_count)
		return wa__fail(why, WEBAUTHN_COUNTER,
				"the signature counter did not increase: the authenticator may "
				"have been cloned");
	return WEBAUTHN_OK;
}
