/*
 * libFuzzer target for a device's image (POST /device/recamera): the
 * input read as the base64 text of a JSON body (device_image_decode) and
 * as the bytes of a form's image part (device_image_check, which reads
 * the JPEG's markers for its size).  No crash, no leak, never more than
 * DEVICE_JPEG_MAX bytes decoded, and an image accepted is a JPEG within
 * the limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz__check(const unsigned char *jpeg, size_t len)
{
	unsigned w = 0, h = 0;
	const char *why = NULL;
	int rc = device_image_check(jpeg, len, &w, &h, &why);

	if (rc == 0 && (len < 4 || len > DEVICE_JPEG_MAX || jpeg[0] != 0xFF || jpeg[1] != 0xD8 ||
			w == 0 || h == 0 || w > DEVICE_JPEG_SIDE_MAX || h > DEVICE_JPEG_SIDE_MAX))
		abort();
	if (rc != 0 && !why)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	const char *why = NULL;
	size_t outlen = 0;
	char *text;
	int rc;

	fuzz__check(data, size);

	/* A JSON string holds no NUL: the text ends at the first one. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = device_image_decode(text, strlen(text), &out, &outlen, &why);
	if (rc == 0) {
		if (!out || outlen > DEVICE_JPEG_MAX || outlen > strlen(text) / 4 * 3)
			abort();
		fuzz__check(out, outlen);
	} else if (out || !why) {
		abort();
	}
	free(out);
	free(text);
	return 0;
}
