/*
 * libFuzzer target for the WebAuthn parsers: what a browser hands back is
 * outside input until its signature checks.  The first byte picks the
 * parser; the rest is its input:
 *   0  an attestation object (registration, with a fixed clientDataJSON)
 *   1  authenticatorData (an assertion, signature and key from the input)
 *   2  a COSE public key
 *   3  clientDataJSON
 * Besides memory safety: a parse that succeeds stays within the input, and
 * a key that converts converts to DER that OpenSSL reads back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char fuzz_challenge[WEBAUTHN_CHALLENGE_LEN] = "fuzz-challenge-fuzz-challenge-f";
/* base64url of fuzz_challenge */
static const char fuzz_client_data[] =
	"{\"type\":\"webauthn.create\",\"challenge\":"
	"\"ZnV6ei1jaGFsbGVuZ2UtZnV6ei1jaGFsbGVuZ2UtZgA\","
	"\"origin\":\"https://localhost\",\"crossOrigin\":false}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct webauthn_rp rp = { "localhost", "https://localhost", false };
	struct webauthn_credential cred;
	struct webauthn_auth_data ad;
	const unsigned char *in = data + 1;
	size_t n = size ? size - 1 : 0;
	unsigned char ch[64], *der = NULL;
	size_t chlen, derlen;
	uint32_t count;
	int alg;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (webauthn_verify_registration(&rp, fuzz_challenge, sizeof(fuzz_challenge),
						 (const unsigned char *)fuzz_client_data,
						 sizeof(fuzz_client_data) - 1, in, n, &cred,
						 NULL) == WEBAUTHN_OK) {
			const unsigned char *p = cred.public_key;
			EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)cred.public_key_len);

			if (!k || cred.cred_id_len == 0 || cred.cred_id_len > WEBAUTHN_CRED_ID_MAX)
				abort();
			EVP_PKEY_free(k);
		}
		webauthn_credential_clear(&cred);
		break;
	case 1:
		if (webauthn_auth_data_parse(in, n, &ad, NULL) == WEBAUTHN_OK) {
			if (ad.attested && (ad.cred_id < in || ad.cred_id + ad.cred_id_len > in + n ||
					    ad.cose_key + ad.cose_key_len > in + n))
				abort();
		} else {
			/* The whole assertion path with the input as the key too. */
			const struct webauthn_stored_key key = { WEBAUTHN_ALG_ES256, in, n, 0 };

			(void)webauthn_verify_assertion(&rp, fuzz_challenge, sizeof(fuzz_challenge),
							(const unsigned char *)fuzz_client_data,
							sizeof(fuzz_client_data) - 1, in, n, in,
							n < 64 ? n : 64, &key, &count, NULL);
		}
		break;
	case 2:
		if (webauthn_cose_to_spki(in, n, &alg, &der, &derlen, NULL) == WEBAUTHN_OK) {
			const unsigned char *p = der;
			EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)derlen);

			if (!k || (alg != WEBAUTHN_ALG_ES256 && alg != WEBAUTHN_ALG_RS256))
				abort();
			EVP_PKEY_free(k);
		}
		free(der);
		break;
	default:
		if (webauthn_client_data_challenge(in, n, ch, sizeof(ch), &chlen, NULL) ==
			    WEBAUTHN_OK &&
		    chlen > sizeof(ch))
			abort();
		break;
	}
	return 0;
}
