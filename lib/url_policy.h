#ifndef HEARTH_URL_POLICY_H
#define HEARTH_URL_POLICY_H

/*
 * The outbound URL policy: which URLs Hearth may call (webhooks, Telegram,
 * Home Assistant, cameras).  One policy for every outbound call, checked
 * twice:
 *
 *   - when a URL is saved or a call is about to be made
 *     (url_policy_check_url): http or https only, a host, no user:password
 *     in a URL the API would echo, no literal address the policy denies;
 *   - on every address libcurl is about to connect to
 *     (url_policy_check_addr, from net/http.c's open-socket callback), so a
 *     name that resolves, or later re-resolves, to a denied address is
 *     refused too.
 *
 * Always denied: link-local (169.254.0.0/16, fe80::/10, which holds the
 * cloud metadata address 169.254.169.254), 100.100.100.200 and
 * 192.0.0.192 (other metadata addresses), fd00:ec2::254, 192.0.0.0/24
 * (protocol assignments), unspecified (0.0.0.0/8, ::), multicast,
 * broadcast, and every IPv6 spelling of a denied IPv4 address:
 * IPv4-mapped, -translated and -compatible, NAT64 (64:ff9b::/96 and the
 * local-use 64:ff9b:1::/48) and 6to4 (2002::/16) are judged as the IPv4
 * address they carry.
 * Private LAN (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10) is allowed
 * unless allow_private is off: Hearth lives in a home.  Loopback (127/8,
 * ::1) is denied unless allow_loopback is on, because the box's own
 * MariaDB, memcached and nginx internals listen there.
 * allow_cidrs are permitted whatever the rules above say (except the
 * metadata addresses); deny_cidrs are refused whatever they say.
 *
 * Pure: no DNS, no I/O.  Unit-tested and fuzzed.  It sits beside config.c,
 * which checks the [outbound] section and builds the policy with it
 * (config_url_policy); net/ applies it and knows the configuration, never
 * the other way round.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define URL_POLICY_CIDRS 16

struct url_cidr {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];     /* network order; 4 bytes used for AF_INET */
	unsigned prefix;            /* bits */
};

struct url_policy {
	bool allow_loopback;        /* [outbound] allow_loopback (false) */
	bool allow_private;         /* [outbound] allow_private (true) */
	struct url_cidr allow[URL_POLICY_CIDRS];
	size_t n_allow;
	struct url_cidr deny[URL_POLICY_CIDRS];
	size_t n_deny;
};

/* The defaults above: loopback denied, private allowed, no lists. */
void url_policy_defaults(struct url_policy *p);

/*
 * Parse a comma- or space-separated list of CIDRs ("10.0.0.0/8, ::1/128",
 * a bare address is /32 or /128) into out (at most URL_POLICY_CIDRS);
 * *n their number.  -1 with a reason in why on a bad entry or too many.
 */
int url_policy_parse_cidrs(const char *text, struct url_cidr *out, size_t *n, char *why,
			   size_t whylen);

/*
 * Whether url may be called: 0, or -1 with a one-line reason in why
 * ("only http and https URLs are allowed", "the address 169.254.169.254
 * is link-local", ...).  A host given as a literal address is checked
 * against the address rules here; a name is checked at connect time.
 */
int url_policy_check_url(const struct url_policy *p, const char *url, char *why,
			 size_t whylen);

/* Whether Hearth may connect to sa (AF_INET or AF_INET6; anything else is
 * refused): 0, or -1 with the reason in why. */
int url_policy_check_addr(const struct url_policy *p, const struct sockaddr *sa, char *why,
			  size_t whylen);

#endif
