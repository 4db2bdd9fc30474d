/*
 * libFuzzer target for the outbound URL policy, which judges URLs users
 * type into webhooks and settings, and CIDR lists from hearth.conf.
 * Checks, besides memory safety:
 *   - a refusal always says why, in a terminated string;
 *   - policies are monotone: what a stricter policy allows, every looser
 *     one allows too, and the loosest refuses only malformed URLs and
 *     metadata addresses;
 *   - an IPv4 address and its IPv4-mapped, NAT64 and 6to4 IPv6 forms get
 *     the same verdict;
 *   - a parsed CIDR list refuses its own networks as deny_cidrs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url_policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_STRICT, P_DEFAULT, P_LOOPBACK, P_ALL, P_COUNT };

static struct url_policy policies[P_COUNT];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char why[128];

	(void)argc;
	(void)argv;
	for (int i = 0; i < P_COUNT; i++)
		url_policy_defaults(&policies[i]);
	policies[P_STRICT].allow_private = false;
	policies[P_LOOPBACK].allow_loopback = true;
	policies[P_ALL].allow_loopback = true;
	if (url_policy_parse_cidrs("0.0.0.0/0 ::/0", policies[P_ALL].allow, &policies[P_ALL].n_allow,
				   why, sizeof(why)) != 0)
		abort();
	return 0;
}

static void check_reason(int rc, const char *why, size_t whylen)
{
	if (rc != 0 && (why[0] == '\0' || strnlen(why, whylen) == whylen))
		abort();
}

static void fuzz_url(const char *s)
{
	char why[P_COUNT][160];
	int rc[P_COUNT];

	for (int i = 0; i < P_COUNT; i++) {
		why[i][0] = '\0';
		rc[i] = url_policy_check_url(&policies[i], s, why[i], sizeof(why[i]));
		check_reason(rc[i], why[i], sizeof(why[i]));
	}
	for (int i = 0; i + 1 < P_COUNT; i++)
		if (rc[i] == 0 && rc[i + 1] != 0)
			abort();
	/* Allowing every range leaves only form and metadata to refuse. */
	if (rc[P_ALL] != 0 && strstr(why[P_ALL], "the address") &&
	    !strstr(why[P_ALL], "cloud metadata"))
		abort();
}

/* The same verdict for a.b.c.d as for ::ffff:a.b.c.d, 64:ff9b::a.b.c.d,
 * 64:ff9b:1::a.b.c.d and 2002:aabb:ccdd:: under every policy. */
static void fuzz_mapped(const uint8_t *b)
{
	static const uint8_t prefixes[4][6] = {
		{ 0, 0, 0, 0, 0, 0 }, { 0, 0x64, 0xff, 0x9b, 0, 0 }, { 0, 0x64, 0xff, 0x9b, 0, 1 },
		{ 0x20, 0x02, 0, 0, 0, 0 },
	};
	struct sockaddr_in in = { .sin_family = AF_INET };
	char w4[160], w6[160];

	memcpy(&in.sin_addr, b, 4);
	for (int k = 0; k < 4; k++) {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
		uint8_t *a6 = in6.sin6_addr.s6_addr;

		memcpy(a6, prefixes[k], 6);
		if (k == 0) {
			a6[10] = 0xff;
			a6[11] = 0xff;
		}
		memcpy(k == 3 ? a6 + 2 : a6 + 12, b, 4);
		for (int i = 0; i < P_COUNT; i++) {
			int r4 = url_policy_check_addr(&policies[i], (struct sockaddr *)&in, w4,
						       sizeof(w4));
			int r6 = url_policy_check_addr(&policies[i], (struct sockaddr *)&in6, w6,
						       sizeof(w6));

			check_reason(r4, w4, sizeof(w4));
			check_reason(r6, w6, sizeof(w6));
			if (r4 != r6)
				abort();
		}
	}
}

static void fuzz_cidrs(const char *s)
{
	struct url_policy deny;
	char why[160];

	url_policy_defaults(&deny);
	deny.allow_loopback = true;
	why[0] = '\0';
	if (url_policy_parse_cidrs(s, deny.deny, &deny.n_deny, why, sizeof(why)) != 0) {
		check_reason(-1, why, sizeof(why));
		return;
	}
	if (deny.n_deny > URL_POLICY_CIDRS)
		abort();
	for (size_t i = 0; i < deny.n_deny; i++) {
		const struct url_cidr *c = &deny.deny[i];
		struct sockaddr_in in = { .sin_family = AF_INET };
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
		const struct sockaddr *sa;

		if (c->family == AF_INET && c->prefix <= 32) {
			memcpy(&in.sin_addr, c->addr, 4);
			sa = (const struct sockaddr *)&in;
		} else if (c->family == AF_INET6 && c->prefix <= 128) {
			memcpy(&in6.sin6_addr, c->addr, 16);
			sa = (const struct sockaddr *)&in6;
		} else {
			abort();
		}
		if (url_policy_check_addr(&deny, sa, why, sizeof(why)) == 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size >= 4)
		fuzz_mapped(data);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_url(s);
	fuzz_cidrs(s);
	free(s);
	return 0;
}
