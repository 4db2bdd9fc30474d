/*
 * WebAuthn verification.  Most cases build their own authenticator output
 * here (authData, attestation object and clientDataJSON with libcbor and
 * Jansson, signed with a fresh OpenSSL key), so each case changes exactly
 * one thing from a good ceremony.  One fixed vector, recorded from
 * Chromium's virtual authenticator, is checked as it was captured.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "cursor.h"
#include "webauthn.h"

#define RP_ID "localhost"
#define ORIGIN "https://localhost:8543"

static const struct webauthn_rp rp = { RP_ID, ORIGIN, false };
static const struct webauthn_rp rp_uv = { RP_ID, ORIGIN, true };

/* One made-up authenticator: a key pair and its COSE encoding. */
struct t_authenticator {
	EVP_PKEY *key;
	int alg;
	unsigned char cred_id[16];
	unsigned char *cose;
	size_t cose_len;
};

/* A made-up ceremony's output. */
struct t_blob {
	unsigned char *p;
	size_t n;
};

static void t_blob_free(struct t_blob *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static void t_map_int(cbor_item_t *m, int64_t k, cbor_item_t *v)
{
	cbor_item_t *key = k >= 0 ? cbor_build_uint16((uint16_t)k)
				  : cbor_build_negint16((uint16_t)(-1 - k));

	assert_true(cbor_map_add(m, (struct cbor_pair){ cbor_move(key), cbor_move(v) }));
}

static struct t_blob t_serialize(cbor_item_t *item)
{
	struct t_blob b = { NULL, 0 };
	size_t cap = 0;

	b.n = cbor_serialize_alloc(item, &b.p, &cap);
	assert_true(b.n > 0);
	cbor_decref(&item);
	return b;
}

static void t_authenticator_new(struct t_authenticator *a, int alg)
{
	cbor_item_t *m = cbor_new_definite_map(5);

	memset(a, 0, sizeof(*a));
	a->alg = alg;
	for (size_t i = 0; i < sizeof(a->cred_id); i++)
		a->cred_id[i] = (unsigned char)(0xA0 + i + (alg == WEBAUTHN_ALG_RS256));
	if (alg == WEBAUTHN_ALG_ES256) {
		unsigned char pub[65];
		size_t publen = 0;

		a->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		assert_non_null(a->key);
		assert_int_equal(EVP_PKEY_get_octet_string_param(a->key, OSSL_PKEY_PARAM_PUB_KEY,
								 pub, sizeof(pub), &publen), 1);
		assert_int_equal(publen, 65);
		t_map_int(m, 1, cbor_build_uint8(2));
		t_map_int(m, 3, cbor_build_negint8(6));
		t_map_int(m, -1, cbor_build_uint8(1));
		t_map_int(m, -2, cbor_build_bytestring(pub + 1, 32));
		t_map_int(m, -3, cbor_build_bytestring(pub + 33, 32));
	} else {
		BIGNUM *n = NULL, *e = NULL;
		unsigned char nb[512], eb[8];
		int nl, el;

		a->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		assert_non_null(a->key);
		assert_int_equal(EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(a->key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
		nl = BN_bn2bin(n, nb);
		el = BN_bn2bin(e, eb);
		t_map_int(m, 1, cbor_build_uint8(3));
		t_map_int(m, 3, cbor_build_negint16(256));
		t_map_int(m, -1, cbor_build_bytestring(nb, (size_t)nl));
		t_map_int(m, -2, cbor_build_bytestring(eb, (size_t)el));
		BN_free(n);
		BN_free(e);
	}
	struct t_blob b = t_serialize(m);
	a->cose = b.p;
	a->cose_len = b.n;
}

static void t_authenticator_free(struct t_authenticator *a)
{
	EVP_PKEY_free(a->key);
	free(a->cose);
	memset(a, 0, sizeof(*a));
}

/* authenticatorData: SHA-256(rp_id), flags, counter, and for a
 * registration (a != NULL) the attested credential data. */
static struct t_blob t_auth_data(const char *rp_id, uint8_t flags, uint32_t count,
				 const struct t_authenticator *a)
{
	struct t_blob b;
	unsigned int hl = 0;
	size_t off = 37;

	b.n = 37 + (a ? 16 + 2 + sizeof(a->cred_id) + a->cose_len : 0);
	b.p = calloc(1, b.n);
	assert_non_null(b.p);
	assert_int_equal(EVP_Digest(rp_id, strlen(rp_id), b.p, &hl, EVP_sha256(), NULL), 1);
	b.p[32] = (unsigned char)(flags | (a ? WEBAUTHN_FLAG_AT : 0));
	b.p[33] = (unsigned char)(count >> 24);
	b.p[34] = (unsigned char)(count >> 16);
	b.p[35] = (unsigned char)(count >> 8);
	b.p[36] = (unsigned char)count;
	if (a) {
		memset(b.p + off, 0x11, 16);
		off += 16;
		b.p[off++] = 0;
		b.p[off++] = (unsigned char)sizeof(a->cred_id);
		memcpy(b.p + off, a->cred_id, sizeof(a->cred_id));
		off += sizeof(a->cred_id);
		memcpy(b.p + off, a->cose, a->cose_len);
	}
	return b;
}

static struct t_blob t_att_obj(const char *fmt, bool stmt_empty, const struct t_blob *ad)
{
	cbor_item_t *m = cbor_new_definite_map(3), *stmt = cbor_new_definite_map(1);

	if (!stmt_empty)
		assert_true(cbor_map_add(stmt, (struct cbor_pair){ cbor_move(cbor_build_string("alg")),
								   cbor_move(cbor_build_negint8(6)) }));
	assert_true(cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_string("fmt")),
							cbor_move(cbor_build_string(fmt)) }));
	assert_true(cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_string("attStmt")),
							cbor_move(stmt) }));
	assert_true(cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_string("authData")),
							cbor_move(cbor_build_bytestring(ad->p, ad->n)) }));
	return t_serialize(m);
}

static const unsigned char challenge[WEBAUTHN_CHALLENGE_LEN] = "the-challenge-of-32-bytes-long!";

static struct t_blob t_client_data(const char *type, const unsigned char *ch, const char *origin,
				   bool cross)
{
	char b64[64];
	json_t *o;
	struct t_blob b;

	assert_true(b64url_encode(ch, WEBAUTHN_CHALLENGE_LEN, b64, sizeof(b64)) > 0);
	o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", type, "challenge", b64, "origin",
		      origin, "crossOrigin", cross, "other_keys_can_be_added_here", "ignored");
	assert_non_null(o);
	b.p = (unsigned char *)json_dumps(o, JSON_COMPACT);
	b.n = strlen((char *)b.p);
	json_decref(o);
	return b;
}

static struct t_blob t_sign(EVP_PKEY *key, const struct t_blob *ad, const struct t_blob *cd)
{
	unsigned char h[32], *msg;
	unsigned int hl = 0;
	struct t_blob s;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_int_equal(EVP_Digest(cd->p, cd->n, h, &hl, EVP_sha256(), NULL), 1);
	msg = malloc(ad->n + 32);
	memcpy(msg, ad->p, ad->n);
	memcpy(msg + ad->n, h, 32);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, NULL, &s.n, msg, ad->n + 32), 1);
	s.p = malloc(s.n);
	assert_int_equal(EVP_DigestSign(md, s.p, &s.n, msg, ad->n + 32), 1);
	EVP_MD_CTX_free(md);
	free(msg);
	return s;
}

/* A good registration of a, into *cred. */
static void t_register(const struct t_authenticator *a, struct webauthn_credential *cred)
{
	struct t_blob ad = t_auth_data(RP_ID, WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV, 0, a);
	struct t_blob att = t_att_obj("none", true, &ad);
	struct t_blob cd = t_client_data("webauthn.create", challenge, ORIGIN, false);
	const char *why = NULL;

	assert_int_equal(webauthn_verify_registration(&rp_uv, challenge, sizeof(challenge), cd.p,
						      cd.n, att.p, att.n, cred, &why),
			 WEBAUTHN_OK);
	t_blob_free(&ad);
	t_blob_free(&att);
	t_blob_free(&cd);
}

/* Register, then assert with these knobs; the result of the assertion. */
static enum webauthn_err t_assert(int alg, const char *rp_id, uint8_t flags, uint32_t stored,
				  uint32_t count, const char *type, const char *origin,
				  const unsigned char *ch, bool corrupt_sig, const struct webauthn_rp *want)
{
	struct t_authenticator a;
	struct webauthn_credential cred;
	struct t_blob ad, cd, sig;
	struct webauthn_stored_key key;
	uint32_t got = 0;
	const char *why = NULL;
	enum webauthn_err rc;

	t_authenticator_new(&a, alg);
	t_register(&a, &cred);
	assert_int_equal(cred.alg, alg);
	assert_int_equal(cred.cred_id_len, sizeof(a.cred_id));
	assert_memory_equal(cred.cred_id, a.cred_id, sizeof(a.cred_id));
	ad = t_auth_data(rp_id, flags, count, NULL);
	cd = t_client_data(type, ch, origin, false);
	sig = t_sign(a.key, &ad, &cd);
	if (corrupt_sig)
		sig.p[sig.n / 2] ^= 0x01;
	key = (struct webauthn_stored_key){ cred.alg, cred.public_key, cred.public_key_len, stored };
	rc = webauthn_verify_assertion(want, challenge, sizeof(challenge), cd.p, cd.n, ad.p, ad.n,
				       sig.p, sig.n, &key, &got, &why);
	if (rc != WEBAUTHN_OK)
		assert_non_null(why);
	t_blob_free(&ad);
	t_blob_free(&cd);
	t_blob_free(&sig);
	webauthn_credential_clear(&cred);
	t_authenticator_free(&a);
	return rc;
}

#define UPUV (WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_UV)

static void test_good_es256(void **state)
{
	(void)state;
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get", ORIGIN,
				  challenge, false, &rp_uv),
			 WEBAUTHN_OK);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 5, 6, "webauthn.get", ORIGIN,
				  challenge, false, &rp_uv),
			 WEBAUTHN_OK);
}

static void test_good_rs256(void **state)
{
	(void)state;
	assert_int_equal(t_assert(WEBAUTHN_ALG_RS256, RP_ID, UPUV, 0, 1, "webauthn.get", ORIGIN,
				  challenge, false, &rp_uv),
			 WEBAUTHN_OK);
	assert_int_equal(t_assert(WEBAUTHN_ALG_RS256, RP_ID, UPUV, 1, 2, "webauthn.get", ORIGIN,
				  challenge, true, &rp_uv),
			 WEBAUTHN_BAD_SIGNATURE);
}

static void test_assertion_refusals(void **state)
{
	unsigned char other[WEBAUTHN_CHALLENGE_LEN];

	(void)state;
	memcpy(other, challenge, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, "evil.example", UPUV, 0, 0, "webauthn.get",
				  ORIGIN, challenge, false, &rp),
			 WEBAUTHN_WRONG_RP);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get",
				  "https://localhost:8544", challenge, false, &rp),
			 WEBAUTHN_WRONG_ORIGIN);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get",
				  "https://localhost", challenge, false, &rp),
			 WEBAUTHN_WRONG_ORIGIN);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get", ORIGIN,
				  other, false, &rp),
			 WEBAUTHN_WRONG_CHALLENGE);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.create",
				  ORIGIN, challenge, false, &rp),
			 WEBAUTHN_WRONG_TYPE);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, WEBAUTHN_FLAG_UV, 0, 0,
				  "webauthn.get", ORIGIN, challenge, false, &rp),
			 WEBAUTHN_NO_PRESENCE);
	/* UV: refused only where it is required. */
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, WEBAUTHN_FLAG_UP, 0, 0,
				  "webauthn.get", ORIGIN, challenge, false, &rp_uv),
			 WEBAUTHN_NO_VERIFICATION);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, WEBAUTHN_FLAG_UP, 0, 0,
				  "webauthn.get", ORIGIN, challenge, false, &rp),
			 WEBAUTHN_OK);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get", ORIGIN,
				  challenge, true, &rp),
			 WEBAUTHN_BAD_SIGNATURE);
}

static void test_counter(void **state)
{
	(void)state;
	/* Backwards, standing still, and from a counter to zero. */
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 10, 9, "webauthn.get", ORIGIN,
				  challenge, false, &rp),
			 WEBAUTHN_COUNTER);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 10, 10, "webauthn.get", ORIGIN,
				  challenge, false, &rp),
			 WEBAUTHN_COUNTER);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 10, 0, "webauthn.get", ORIGIN,
				  challenge, false, &rp),
			 WEBAUTHN_COUNTER);
	/* Authenticators without a counter keep sending zero. */
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0, 0, "webauthn.get", ORIGIN,
				  challenge, false, &rp),
			 WEBAUTHN_OK);
	assert_int_equal(t_assert(WEBAUTHN_ALG_ES256, RP_ID, UPUV, 0xfffffffe, 0xffffffff,
				  "webauthn.get", ORIGIN, challenge, false, &rp),
			 WEBAUTHN_OK);
}

/* Registration with one thing changed; the code it gets. */
static enum webauthn_err t_reg(const char *rp_id, uint8_t flags, const char *fmt, bool stmt_empty,
			       const char *type, const char *origin, bool cross)
{
	struct t_authenticator a;
	struct webauthn_credential cred;
	struct t_blob ad, att, cd;
	const char *why = NULL;
	enum webauthn_err rc;

	t_authenticator_new(&a, WEBAUTHN_ALG_ES256);
	ad = t_auth_data(rp_id, flags, 0, &a);
	att = t_att_obj(fmt, stmt_empty, &ad);
	cd = t_client_data(type, challenge, origin, cross);
	rc = webauthn_verify_registration(&rp, challenge, sizeof(challenge), cd.p, cd.n, att.p,
					  att.n, &cred, &why);
	if (rc != WEBAUTHN_OK) {
		assert_non_null(why);
		assert_null(cred.public_key);
	}
	webauthn_credential_clear(&cred);
	t_blob_free(&ad);
	t_blob_free(&att);
	t_blob_free(&cd);
	t_authenticator_free(&a);
	return rc;
}

static void test_registration_refusals(void **state)
{
	(void)state;
	assert_int_equal(t_reg(RP_ID, UPUV, "none", true, "webauthn.create", ORIGIN, false),
			 WEBAUTHN_OK);
	assert_int_equal(t_reg("localhost.", UPUV, "none", true, "webauthn.create", ORIGIN, false),
			 WEBAUTHN_WRONG_RP);
	assert_int_equal(t_reg(RP_ID, UPUV, "none", true, "webauthn.create",
			       "http://localhost:8543", false),
			 WEBAUTHN_WRONG_ORIGIN);
	assert_int_equal(t_reg(RP_ID, UPUV, "none", true, "webauthn.create", ORIGIN, true),
			 WEBAUTHN_WRONG_ORIGIN);
	assert_int_equal(t_reg(RP_ID, UPUV, "none", true, "webauthn.get", ORIGIN, false),
			 WEBAUTHN_WRONG_TYPE);
	assert_int_equal(t_reg(RP_ID, WEBAUTHN_FLAG_UV, "none", true, "webauthn.create", ORIGIN,
			       false),
			 WEBAUTHN_NO_PRESENCE);
	assert_int_equal(t_reg(RP_ID, UPUV, "packed", true, "webauthn.create", ORIGIN, false),
			 WEBAUTHN_UNSUPPORTED);
	assert_int_equal(t_reg(RP_ID, UPUV, "none", false, "webauthn.create", ORIGIN, false),
			 WEBAUTHN_BAD_INPUT);
}

/* authData cut at every length: never accepted, never read past. */
static void test_truncated_auth_data(void **state)
{
	struct t_authenticator a;
	struct webauthn_auth_data parsed;
	struct t_blob ad;
	const char *why;

	(void)state;
	t_authenticator_new(&a, WEBAUTHN_ALG_ES256);
	ad = t_auth_data(RP_ID, UPUV, 7, &a);
	assert_int_equal(webauthn_auth_data_parse(ad.p, ad.n, &parsed, &why), WEBAUTHN_OK);
	assert_true(parsed.attested);
	assert_int_equal(parsed.sign_count, 7);
	assert_int_equal(parsed.cose_key_len, a.cose_len);
	for (size_t n = 0; n < ad.n; n++) {
		/* An exact-size copy, so ASan sees any read past the end. */
		unsigned char *cut = malloc(n ? n : 1);

		memcpy(cut, ad.p, n);
		why = NULL;
		assert_int_not_equal(webauthn_auth_data_parse(cut, n, &parsed, &why), WEBAUTHN_OK);
		assert_non_null(why);
		free(cut);
	}
	/* Trailing bytes, and a credential id longer than 1023 bytes. */
	unsigned char *longer = calloc(1, ad.n + 1);
	memcpy(longer, ad.p, ad.n);
	assert_int_equal(webauthn_auth_data_parse(longer, ad.n + 1, &parsed, &why),
			 WEBAUTHN_BAD_INPUT);
	longer[37 + 16] = 0x04;
	longer[37 + 17] = 0x00;
	assert_int_equal(webauthn_auth_data_parse(longer, ad.n, &parsed, &why), WEBAUTHN_BAD_INPUT);
	free(longer);
	t_blob_free(&ad);
	t_authenticator_free(&a);
}

static void test_bad_cbor(void **state)
{
	static const unsigned char garbage[][8] = {
		{ 0xff }, { 0xa1, 0x63, 'f', 'm', 't' }, { 0x5f, 0x41, 0x00 },
		{ 0xa0 }, { 0x80 }, { 0xbf, 0xff },
	};
	struct webauthn_credential cred;
	struct t_blob cd = t_client_data("webauthn.create", challenge, ORIGIN, false);
	unsigned char *der = NULL;
	size_t derlen;
	const char *why;
	int alg;

	(void)state;
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		assert_int_not_equal(webauthn_verify_registration(&rp, challenge, sizeof(challenge),
								  cd.p, cd.n, garbage[i], 5, &cred,
								  &why),
				     WEBAUTHN_OK);
		assert_int_not_equal(webauthn_cose_to_spki(garbage[i], 3, &alg, &der, &derlen, &why),
				     WEBAUTHN_OK);
		assert_null(der);
	}
	/* A COSE key with an unsupported algorithm (EdDSA, -8). */
	cbor_item_t *m = cbor_new_definite_map(2);
	t_map_int(m, 1, cbor_build_uint8(1));
	t_map_int(m, 3, cbor_build_negint8(7));
	struct t_blob k = t_serialize(m);
	assert_int_equal(webauthn_cose_to_spki(k.p, k.n, &alg, &der, &derlen, &why),
			 WEBAUTHN_UNSUPPORTED);
	t_blob_free(&k);
	/* clientDataJSON that is not JSON, or lacks a field. */
	assert_int_equal(webauthn_verify_registration(&rp, challenge, sizeof(challenge),
						      (const unsigned char *)"{\"type\":", 8,
						      garbage[0], 1, &cred, &why),
			 WEBAUTHN_BAD_INPUT);
	assert_int_equal(webauthn_verify_registration(&rp, challenge, sizeof(challenge),
						      (const unsigned char *)"{\"type\":\"x\"}", 12,
						      garbage[0], 1, &cred, &why),
			 WEBAUTHN_BAD_INPUT);
	t_blob_free(&cd);
}

/* ---- the vector recorded from Chromium (tests/unit/vectors/) */

static int t_hex(const char *hex, unsigned char **out, size_t *n)
{
	size_t len = strlen(hex);

	*out = malloc(len / 2 + 1);
	*n = len / 2;
	for (size_t i = 0; i < *n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		(*out)[i] = (unsigned char)v;
	}
	return 0;
}

static void test_chromium_vector(void **state)
{
	const char *dir = getenv("top_srcdir");
	char path[1024], line[8192], origin[256] = "", rp_id[256] = "";
	unsigned char *f[7] = { NULL };
	size_t fn[7] = { 0 };
	static const char *const names[7] = { "reg_challenge", "reg_client_data", "attestation_object",
					      "auth_challenge", "auth_client_data", "authenticator_data",
					      "signature" };
	struct webauthn_credential cred;
	struct webauthn_stored_key key;
	uint32_t count = 0;
	const char *why = NULL;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/vectors/webauthn_chromium.txt", dir ? dir : ".");
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || !eq)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "origin") == 0)
			snprintf(origin, sizeof(origin), "%s", eq);
		else if (strcmp(line, "rp_id") == 0)
			snprintf(rp_id, sizeof(rp_id), "%s", eq);
		for (size_t i = 0; i < 7; i++)
			if (strcmp(line, names[i]) == 0)
				assert_int_equal(t_hex(eq, &f[i], &fn[i]), 0);
	}
	fclose(fp);
	for (size_t i = 0; i < 7; i++)
		assert_non_null(f[i]);

	const struct webauthn_rp crp = { rp_id, origin, true };
	assert_int_equal(webauthn_verify_registration(&crp, f[0], fn[0], f[1], fn[1], f[2], fn[2],
						      &cred, &why),
			 WEBAUTHN_OK);
	assert_int_equal(cred.alg, WEBAUTHN_ALG_ES256);
	key = (struct webauthn_stored_key){ cred.alg, cred.public_key, cred.public_key_len,
					    cred.sign_count };
	assert_int_equal(webauthn_verify_assertion(&crp, f[3], fn[3], f[4], fn[4], f[5], fn[5],
						   f[6], fn[6], &key, &count, &why),
			 WEBAUTHN_OK);
	assert_true(count > cred.sign_count);
	/* The same assertion once its counter is stored: a replay. */
	key.sign_count = count;
	assert_int_equal(webauthn_verify_assertion(&crp, f[3], fn[3], f[4], fn[4], f[5], fn[5],
						   f[6], fn[6], &key, &count, &why),
			 WEBAUTHN_COUNTER);
	/* Another configured origin refuses it. */
	const struct webauthn_rp other = { rp_id, "https://localhost:1", true };
	assert_int_equal(webauthn_verify_assertion(&other, f[3], fn[3], f[4], fn[4], f[5], fn[5],
						   f[6], fn[6], &key, &count, &why),
			 WEBAUTHN_WRONG_ORIGIN);
	webauthn_credential_clear(&cred);
	for (size_t i = 0; i < 7; i++)
		free(f[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_es256),
		cmocka_unit_test(test_good_rs256),
		cmocka_unit_test(test_assertion_refusals),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_registration_refusals),
		cmocka_unit_test(test_truncated_auth_data),
		cmocka_unit_test(test_bad_cbor),
		cmocka_unit_test(test_chromium_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
