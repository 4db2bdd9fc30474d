/*
 * /api/v1/auth/passkey/... and /api/v1/auth/passkeys: a person registers
 * passkeys while signed in, signs in with one, lists and deletes their own.
 *
 * Each ceremony is two requests: options (a fresh 32-byte challenge, its
 * SHA-256 kept for CHALLENGE_TTL seconds) and verify (the challenge in the
 * browser's clientDataJSON is looked up by its hash and deleted, then
 * lib/webauthn.c checks the rest).  A verify that fails answers 4xx and
 * its transaction rolls back, so only an accepted response uses its
 * challenge up; a replay of an accepted one finds nothing.
 *
 * The user handle given to authenticators is an HMAC of the user's id under
 * the server secret: opaque, stable, and checkable without a lookup.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "app.h"
#include "config.h"
#include "cursor.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "principal.h"
#include "resource.h"
#include "response.h"
#include "store/passkeys.h"
#include "webauthn.h"

#define PASSKEYS_SCOPE "passkeys"
#define CHALLENGE_TTL 300          /* seconds; the options' timeout matches */
#define USER_HANDLE_LEN 16
#define RP_NAME "Hearth"
#define DEFAULT_NAME "Passkey"
#define TRANSPORTS_MAX 8
/* base64url of the WEBAUTHN_*_MAX byte sizes */
#define B64_LEN(n) (((n) * 4 + 2) / 3)

enum { CD, ATT, AD, SIG, UH, RAWID, NBLOBS };

/* One decoded base64url field of the body. */
struct passkeys_blob {
	const char *field;
	unsigned char *p;
	size_t n;
};

static const char *const at_response[] = { "body", "response", NULL };
static const char *const credential_types[] = { "public-key", NULL };

static const struct vfield register_fields[] = {
	{ "id", V_STRING, V_REQUIRED | V_NONEMPTY, 1, B64_LEN(WEBAUTHN_CRED_ID_MAX), NULL },
	{ "rawId", V_STRING, V_REQUIRED | V_NONEMPTY, 1, B64_LEN(WEBAUTHN_CRED_ID_MAX), NULL },
	{ "type", V_STRING, V_REQUIRED, 0, 0, credential_types },
	{ "response", V_OBJECT, V_REQUIRED, 0, 0, NULL },
	{ "name", V_STRING, V_NONEMPTY, 1, PASSKEY_NAME_MAX, NULL },
	{ "authenticatorAttachment", V_STRING, V_NULLABLE, 0, 32, NULL },
	{ "clientExtensionResults", V_OBJECT, 0, 0, 0, NULL },
};
static const struct vfield register_response_fields[] = {
	{ "clientDataJSON", V_STRING, V_REQUIRED | V_NONEMPTY, 1,
	  B64_LEN(WEBAUTHN_CLIENT_DATA_MAX), NULL },
	{ "attestationObject", V_STRING, V_REQUIRED | V_NONEMPTY, 1,
	  B64_LEN(WEBAUTHN_ATT_OBJ_MAX), NULL },
	/* and "transports", an array: passkeys__check_transports */
};
static const struct vfield authenticate_fields[] = {
	{ "id", V_STRING, V_REQUIRED | V_NONEMPTY, 1, B64_LEN(WEBAUTHN_CRED_ID_MAX), NULL },
	{ "rawId", V_STRING, V_REQUIRED | V_NONEMPTY, 1, B64_LEN(WEBAUTHN_CRED_ID_MAX), NULL },
	{ "type", V_STRING, V_REQUIRED, 0, 0, credential_types },
	{ "response", V_OBJECT, V_REQUIRED, 0, 0, NULL },
	{ "authenticatorAttachment", V_STRING, V_NULLABLE, 0, 32, NULL },
	{ "clientExtensionResults", V_OBJECT, 0, 0, 0, NULL },
};
static const struct vfield authenticate_response_fields[] = {
	{ "clientDataJSON", V_STRING, V_REQUIRED | V_NONEMPTY, 1,
	  B64_LEN(WEBAUTHN_CLIENT_DATA_MAX), NULL },
	{ "authenticatorData", V_STRING, V_REQUIRED | V_NONEMPTY, 1,
	  B64_LEN(WEBAUTHN_AUTH_DATA_MAX), NULL },
	{ "signature", V_STRING, V_REQUIRED | V_NONEMPTY, 1, B64_LEN(WEBAUTHN_SIG_MAX), NULL },
	{ "userHandle", V_STRING, V_NULLABLE, 0, 64, NULL },
};
static const struct vfield authenticate_options_fields[] = {
	{ "username", V_STRING, V_NONEMPTY, 1, PASSKEY_USERNAME_MAX, NULL },
};

static const char *const transport_names[] = { "usb", "nfc", "ble", "internal", "hybrid",
					       "smart-card", NULL };

static void passkeys__rp(const struct ctx *c, struct webauthn_rp *rp)
{
	rp->rp_id = c->app->cfg->auth_rp_id;
	rp->origin = c->app->cfg->auth_origin;
	rp->require_uv = false;  /* userVerification "preferred" */
}

/* The caller as a person, or a 403 on r. */
static int passkeys__person(struct ctx *c, struct response *r, int64_t *user_id)
{
	if (!c->who || c->who->user_id <= 0) {
		response_detail(r, 403, "passkeys belong to a person: sign in first");
		return -1;
	}
	*user_id = c->who->user_id;
	return 0;
}

static int passkeys__user_handle(const struct ctx *c, int64_t user_id,
				 unsigned char out[USER_HANDLE_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE], msg[8 + 14];
	unsigned int maclen = 0;

	memcpy(msg, "passkey-user:", 13);
	msg[13] = 0;
	for (int i = 0; i < 8; i++)
		msg[14 + i] = (unsigned char)((uint64_t)user_id >> (56 - 8 * i));
	if (!HMAC(EVP_sha256(), c->app->cfg->secret, (int)c->app->cfg->secret_len, msg,
		  sizeof(msg), mac, &maclen) ||
	    maclen < USER_HANDLE_LEN)
		return -1;
	memcpy(out, mac, USER_HANDLE_LEN);
	return 0;
}

/* A fresh challenge, kept as its hash; b64 gets its base64url. */
static enum herr passkeys__challenge(struct ctx *c, int64_t user_id,
				     enum passkey_purpose purpose, char *b64, size_t b64sz)
{
	unsigned char ch[WEBAUTHN_CHALLENGE_LEN], hash[32];
	unsigned int hl = 0;
	enum herr e;

	if (RAND_bytes(ch, sizeof(ch)) != 1 ||
	    !EVP_Digest(ch, sizeof(ch), hash, &hl, EVP_sha256(), NULL) ||
	    b64url_encode(ch, sizeof(ch), b64, b64sz) == 0)
		return HERR_INTERNAL;
	e = store_passkeys_challenge_add(c->app->db, hash, user_id, purpose, CHALLENGE_TTL);
	OPENSSL_cleanse(ch, sizeof(ch));
	return e;
}

/* Take the challenge clientDataJSON answers; *challenge gets its bytes. */
/*
 * A ceremony that fails is rolled back whole, the taking of its challenge
 * included; this puts the taking back after the rollback, so a challenge
 * serves one attempt, right or wrong, and a failed sign-in counts like a
 * wrong password.
 */
static struct {
	unsigned char hash[32];
	enum passkey_purpose purpose;
} passkeys_taken;

static void passkeys__after_failure(struct ctx *c, void *data)
{
	int64_t uid = 0;
	enum herr e;

	(void)data;
	e = store_passkeys_challenge_take(c->app->db, passkeys_taken.hash, passkeys_taken.purpose,
					  &uid);
	if (e != HERR_OK && e != HERR_NOT_FOUND)
		LOG(LOG_ERR, "passkey: could not use up a failed ceremony's challenge: %s",
		    herr_str(e));
	if (passkeys_taken.purpose == PASSKEY_AUTHENTICATE)
		ctx_sign_in_failed(c, 401);
}

static enum herr passkeys__take(struct ctx *c, const struct passkeys_blob *cd,
				enum passkey_purpose purpose, unsigned char *challenge,
				size_t *chlen, int64_t *user_id, const char **why)
{
	unsigned char hash[32];
	unsigned int hl = 0;
	enum herr e;

	*user_id = 0;
	if (webauthn_client_data_challenge(cd->p, cd->n, challenge, WEBAUTHN_CHALLENGE_LEN,
					   chlen, why) != WEBAUTHN_OK ||
	    *chlen != WEBAUTHN_CHALLENGE_LEN) {
		if (!*why || *chlen != WEBAUTHN_CHALLENGE_LEN)
			*why = "the challenge is not one this server issued";
		return HERR_NOT_FOUND;
	}
	if (!EVP_Digest(challenge, *chlen, hash, &hl, EVP_sha256(), NULL))
		return HERR_INTERNAL;
	*why = "the challenge is unknown, has expired or was used already";
	e = store_passkeys_challenge_take(c->app->db, hash, purpose, user_id);
	if (e == HERR_OK) {
		memcpy(passkeys_taken.hash, hash, sizeof(hash));
		passkeys_taken.purpose = purpose;
		c->after_rollback = passkeys__after_failure;
		c->after_rollback_data = NULL;
	}
	return e;
}

/* base64url (padding tolerated) of body.response.<field> or body.<field>
 * into a new buffer; a problem goes to errs. */
static void passkeys__decode(const json_t *obj, const char *const *at, const char *field,
			     size_t max, struct passkeys_blob *b, json_t *errs)
{
	const char *s = json_string_value(json_object_get(obj, field));
	size_t len;

	b->field = field;
	b->p = NULL;
	b->n = 0;
	if (!s)
		return;
	len = strlen(s);
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (!(b->p = malloc(max + 1)) || b64url_decode(s, len, b->p, max + 1, &b->n) != 0 ||
	    b->n == 0 || b->n > max) {
		free(b->p);
		b->p = NULL;
		b->n = 0;
		verr_add(errs, at, field, "value_error", "Input should be base64url of at most %zu bytes",
			 max);
	}
}

static void passkeys__free(struct passkeys_blob *b)
{
	for (int i = 0; i < NBLOBS; i++) {
		free(b[i].p);
		b[i].p = NULL;
	}
}

/* response.transports: an optional array of known names. */
static json_t *passkeys__check_transports(const json_t *resp, json_t *errs)
{
	const json_t *t = json_object_get(resp, "transports"), *v;
	json_t *out = json_array();
	size_t i;

	if (!t || !out)
		return out;
	if (!json_is_array(t) || json_array_size(t) > TRANSPORTS_MAX) {
		verr_add(errs, at_response, "transports", "list_type",
			 "Input should be a list of at most %d transport names", TRANSPORTS_MAX);
		return out;
	}
	json_array_foreach(t, i, v) {
		const char *s = json_string_value(v);
		bool known = false;

		for (size_t k = 0; s && transport_names[k]; k++)
			known |= strcmp(s, transport_names[k]) == 0;
		if (!known) {
			verr_enum(errs, at_response, "transports", transport_names);
			break;
		}
		json_array_append_new(out, json_string(s));
	}
	return out;
}

/* ---------------------------------------------------------------- register */

int h_passkey_register_options(struct ctx *c, struct response *r)
{
	char username[PASSKEY_USERNAME_MAX + 1], display[PASSKEY_DISPLAY_MAX + 1];
	char challenge[64], handle64[32];
	unsigned char handle[USER_HANDLE_LEN];
	json_t *exclude = json_array(), *opts = NULL;
	int64_t user_id;
	enum herr e;
	int status;

	if (passkeys__person(c, r, &user_id) != 0) {
		status = r->status;
		goto out;
	}
	if (!exclude) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	e = store_passkeys_user(c->app->db, user_id, username, display);
	if (e == HERR_OK)
		e = store_passkeys_descriptors(c->app->db, user_id, exclude);
	if (e == HERR_OK)
		e = passkeys__challenge(c, user_id, PASSKEY_REGISTER, challenge, sizeof(challenge));
	if (e != HERR_OK) {
		status = response_error(r, e, "user");
		goto out;
	}
	if (passkeys__user_handle(c, user_id, handle) != 0 ||
	    b64url_encode(handle, sizeof(handle), handle64, sizeof(handle64)) == 0) {
		status = response_detail(r, 500, "could not make the user handle");
		goto out;
	}
	opts = json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s,"
			 " s:[{s:s, s:i}, {s:s, s:i}], s:i, s:O, s:s,"
			 " s:{s:s, s:b, s:s}}",
			 "rp", "id", c->app->cfg->auth_rp_id, "name", RP_NAME,
			 "user", "id", handle64, "name", username, "displayName",
			 display[0] ? display : username,
			 "challenge", challenge,
			 "pubKeyCredParams", "type", "public-key", "alg", WEBAUTHN_ALG_ES256,
			 "type", "public-key", "alg", WEBAUTHN_ALG_RS256,
			 "timeout", CHALLENGE_TTL * 1000,
			 "excludeCredentials", exclude,
			 "attestation", "none",
			 "authenticatorSelection", "residentKey", "preferred", "requireResidentKey", 0,
			 "userVerification", "preferred");
	status = ctx_reply(r, 200, opts);
out:
	json_decref(exclude);
	return status;
}

int h_passkey_register_verify(struct ctx *c, struct response *r)
{
	struct passkeys_blob b[NBLOBS];
	struct webauthn_credential cred;
	struct webauthn_rp rp;
	unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
	json_t *body = NULL, *errs = NULL, *resp, *transports = NULL, *listing = NULL;
	const char *why = NULL, *name;
	int64_t user_id, for_user = 0;
	size_t chlen = 0;
	enum webauthn_err we;
	enum herr e;
	int status;

	memset(b, 0, sizeof(b));
	memset(&cred, 0, sizeof(cred));
	if (passkeys__person(c, r, &user_id) != 0) {
		status = r->status;
		goto out;
	}
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	validate_object(body, at_body, register_fields,
			sizeof(register_fields) / sizeof(register_fields[0]), false, errs);
	resp = json_object_get(body, "response");
	if (json_is_object(resp)) {
		json_t *rest = json_copy(resp);

		if (!rest) {
			status = response_detail(r, 500, "out of memory");
			goto out;
		}
		json_object_del(rest, "transports");
		validate_object(rest, at_response, register_response_fields,
				sizeof(register_response_fields) /
					sizeof(register_response_fields[0]),
				false, errs);
		json_decref(rest);
		transports = passkeys__check_transports(resp, errs);
		passkeys__decode(resp, at_response, "clientDataJSON", WEBAUTHN_CLIENT_DATA_MAX,
				 &b[CD], errs);
		passkeys__decode(resp, at_response, "attestationObject", WEBAUTHN_ATT_OBJ_MAX,
				 &b[ATT], errs);
	}
	passkeys__decode(body, at_body, "rawId", WEBAUTHN_CRED_ID_MAX, &b[RAWID], errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	e = passkeys__take(c, &b[CD], PASSKEY_REGISTER, challenge, &chlen, &for_user, &why);
	if (e == HERR_NOT_FOUND || (e == HERR_OK && for_user != user_id)) {
		status = response_detail(r, 400, "%s", why ? why : "unknown challenge");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "challenge");
		goto out;
	}
	passkeys__rp(c, &rp);
	we = webauthn_verify_registration(&rp, challenge, chlen, b[CD].p, b[CD].n, b[ATT].p,
					  b[ATT].n, &cred, &why);
	if (we == WEBAUTHN_INTERNAL) {
		status = response_detail(r, 500, "%s", why);
		goto out;
	}
	if (we != WEBAUTHN_OK) {
		status = response_detail(r, 400, "passkey refused: %s", why);
		goto out;
	}
	if (b[RAWID].n != cred.cred_id_len ||
	    memcmp(b[RAWID].p, cred.cred_id, cred.cred_id_len) != 0) {
		status = response_detail(r, 400, "passkey refused: rawId is not the credential id "
					 "in the attestation");
		goto out;
	}
	name = json_string_value(json_object_get(body, "name"));
	e = store_passkeys_create(c->app->db, user_id, &cred, name ? name : DEFAULT_NAME,
				  transports, &listing);
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 409, "this passkey is registered already");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "passkey");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(listing, "id")));
	status = ctx_reply(r, 201, listing);
	listing = NULL;
out:
	webauthn_credential_clear(&cred);
	passkeys__free(b);
	json_decref(listing);
	json_decref(transports);
	json_decref(errs);
	json_decref(body);
	return status;
}

/* ------------------------------------------------------------ authenticate */

int h_passkey_authenticate_options(struct ctx *c, struct response *r)
{
	json_t *body = ctx_body(c), *errs = json_array(), *allow = json_array(), *opts;
	const char *username;
	char challenge[64];
	int64_t user_id = 0;
	enum herr e;
	int status;

	if (!body || !errs || !allow) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	if (validate_object(body, at_body, authenticate_options_fields,
			    sizeof(authenticate_options_fields) /
				    sizeof(authenticate_options_fields[0]),
			    false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* An unknown name gets options like any other (and an empty list of
	 * credentials), so the answer does not tell who has an account. */
	username = json_string_value(json_object_get(body, "username"));
	if (username) {
		e = store_passkeys_user_by_name(c->app->db, username, &user_id);
		if (e == HERR_OK)
			e = store_passkeys_descriptors(c->app->db, user_id, allow);
		if (e != HERR_OK && e != HERR_NOT_FOUND) {
			status = response_error(r, e, "user");
			goto out;
		}
	}
	e = passkeys__challenge(c, user_id, PASSKEY_AUTHENTICATE, challenge, sizeof(challenge));
	if (e != HERR_OK) {
		status = response_error(r, e, "challenge");
		goto out;
	}
	opts = json_pack("{s:s, s:i, s:s, s:O, s:s}", "challenge", challenge, "timeout",
			 CHALLENGE_TTL * 1000, "rpId", c->app->cfg->auth_rp_id,
			 "allowCredentials", allow, "userVerification", "preferred");
	status = ctx_reply(r, 200, opts);
out:
	json_decref(allow);
	json_decref(errs);
	json_decref(body);
	return status;
}

/* The credential id as logs show it: the first bytes in hex. */
static void passkeys__id_hex(const struct passkeys_blob *raw, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < raw->n && i < 16 && o + 3 <= outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%02x", raw->p[i]);
}

int h_passkey_authenticate_verify(struct ctx *c, struct response *r)
{
	struct passkeys_blob b[NBLOBS];
	struct passkey_row *row = NULL;
	struct webauthn_stored_key key;
	struct webauthn_rp rp;
	unsigned char challenge[WEBAUTHN_CHALLENGE_LEN], handle[USER_HANDLE_LEN];
	json_t *body = ctx_body(c), *errs = json_array(), *resp;
	const char *why = NULL;
	char idhex[40];
	int64_t for_user = 0;
	uint32_t count = 0;
	size_t chlen = 0;
	enum webauthn_err we;
	enum herr e;
	int status;

	memset(b, 0, sizeof(b));
	if (!body || !errs || !(row = calloc(1, sizeof(*row)))) {
		status = response_detail(r, 500, "out of memory");
		goto out;
	}
	validate_object(body, at_body, authenticate_fields,
			sizeof(authenticate_fields) / sizeof(authenticate_fields[0]), false, errs);
	resp = json_object_get(body, "response");
	if (json_is_object(resp)) {
		validate_object(resp, at_response, authenticate_response_fields,
				sizeof(authenticate_response_fields) /
					sizeof(authenticate_response_fields[0]),
				false, errs);
		passkeys__decode(resp, at_response, "clientDataJSON", WEBAUTHN_CLIENT_DATA_MAX,
				 &b[CD], errs);
		passkeys__decode(resp, at_response, "authenticatorData", WEBAUTHN_AUTH_DATA_MAX,
				 &b[AD], errs);
		passkeys__decode(resp, at_response, "signature", WEBAUTHN_SIG_MAX, &b[SIG], errs);
		passkeys__decode(resp, at_response, "userHandle", 64, &b[UH], errs);
	}
	passkeys__decode(body, at_body, "rawId", WEBAUTHN_CRED_ID_MAX, &b[RAWID], errs);
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}

	e = passkeys__take(c, &b[CD], PASSKEY_AUTHENTICATE, challenge, &chlen, &for_user, &why);
	if (e == HERR_NOT_FOUND) {
		status = response_detail(r, 401, "%s", why ? why : "unknown challenge");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "challenge");
		goto out;
	}
	e = store_passkeys_find(c->app->db, b[RAWID].p, b[RAWID].n, row);
	if (e == HERR_NOT_FOUND || (e == HERR_OK && for_user > 0 && row->user_id != for_user)) {
		status = response_detail(r, 401, "this passkey is not registered here");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "passkey");
		goto out;
	}
	if (b[UH].p && (passkeys__user_handle(c, row->user_id, handle) != 0 ||
			b[UH].n != sizeof(handle) ||
			CRYPTO_memcmp(b[UH].p, handle, sizeof(handle)) != 0)) {
		status = response_detail(r, 401, "the user handle does not match the passkey");
		goto out;
	}
	passkeys__rp(c, &rp);
	key = (struct webauthn_stored_key){ row->alg, row->public_key, row->public_key_len,
					    row->sign_count };
	we = webauthn_verify_assertion(&rp, challenge, chlen, b[CD].p, b[CD].n, b[AD].p, b[AD].n,
				       b[SIG].p, b[SIG].n, &key, &count, &why);
	if (we == WEBAUTHN_COUNTER) {
		passkeys__id_hex(&b[RAWID], idhex, sizeof(idhex));
		LOG(LOG_WARNING,
		    "passkey %" PRId64 " (credential %s, user %" PRId64 "): signature counter %" PRIu32
		    " after %" PRIu32 ": refused, the authenticator may have been cloned",
		    row->id, idhex, row->user_id, count, row->sign_count);
	}
	if (we == WEBAUTHN_INTERNAL) {
		status = response_detail(r, 500, "%s", why);
		goto out;
	}
	if (we != WEBAUTHN_OK) {
		status = response_detail(r, 401, "passkey refused: %s", why);
		goto out;
	}
	e = store_passkeys_used(c->app->db, row->id, row->sign_count, count);
	if (e == HERR_CONFLICT) {
		status = response_detail(r, 401, "passkey refused: it was used at the same time");
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "passkey");
		goto out;
	}
	status = ctx_sign_in(c, r, row->user_id, "passkey");
out:
	free(row);
	passkeys__free(b);
	json_decref(errs);
	json_decref(body);
	return status;
}

/* ---------------------------------------------------------------- own list */

static enum herr passkeys__list(struct ctx *c, const void *user_id, const struct page *pg,
				json_t *items, bool *has_more)
{
	return store_passkeys_list(c->app->db, *(const int64_t *)user_id, pg, items, has_more);
}

/* Someone else's passkey is as absent as a missing one. */
static enum herr passkeys__remove(struct ctx *c, const struct resource_key *k, int64_t *count)
{
	(void)count;
	return store_passkeys_delete(c->app->db, c->who->user_id, k->id);
}

/* A person's own passkeys: registered through the ceremony above, listed
 * and deleted by their owner alone. */
static const struct resource passkeys = {
	.name = "passkey",
	.plural = "passkeys",
	.scope = PASSKEYS_SCOPE,
	.list = passkeys__list,
	.remove = passkeys__remove,
};

int h_passkeys_list(struct ctx *c, struct response *r)
{
	int64_t user_id;

	if (passkeys__person(c, r, &user_id) != 0)
		return r->status;
	return resource_list_filtered(c, r, &passkeys, PASSKEYS_SCOPE, json_array(), &user_id);
}

int h_passkeys_delete(struct ctx *c, struct response *r)
{
	int64_t user_id;

	if (passkeys__person(c, r, &user_id) != 0)
		return r->status;
	return h_resource_delete(c, r, &passkeys);
}
