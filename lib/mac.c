/*
 * MAC-48 addresses in their usual spellings (mac.h).
 */
#include "mac.h"

#include <string.h>

static int mac__hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The separator after digit pair i (0..4) in a spelling of length len, or
 * 0 for none: pairs with ':' or '-', groups of four with '.', or bare. */
static char mac__sep(const char *in, size_t len, int i)
{
	switch (len) {
	case 17:
		return in[2];
	case 14:
		return i % 2 == 1 ? '.' : 0;
	default:
		return 0;
	}
}

bool mac_normalize(const char *in, char out[MAC_TEXT_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t len = in ? strlen(in) : 0, at = 0;
	char mac[MAC_TEXT_LEN + 1];

	out[0] = '\0';
	if (len != 17 && len != 14 && len != 12)
		return false;
	if (len == 17 && in[2] != ':' && in[2] != '-')
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = mac__hex(in[at]), lo = hi < 0 ? -1 : mac__hex(in[at + 1]);
		char sep = i < 5 ? mac__sep(in, len, i) : 0;

		if (lo < 0)
			return false;
		at += 2;
		if (sep && in[at++] != sep)
			return false;
		mac[i * 3] = digits[hi];
		mac[i * 3 + 1] = digits[lo];
		mac[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	if (at != len)
		return false;
	memcpy(out, mac, sizeof(mac));
	return true;
}
