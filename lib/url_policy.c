/*
 * The outbound URL policy.  An address is judged in a fixed order, so the
 * rules compose the way the header promises:
 *
 *   1. cloud metadata addresses: refused, whatever the lists say;
 *   2. deny_cidrs: refused;
 *   3. allow_cidrs: allowed;
 *   4. the built-in ranges: link-local, unspecified, multicast, reserved
 *      and broadcast refused; loopback and private LAN by their switches.
 *
 * An IPv6 address that carries an IPv4 one (::ffff:a.b.c.d and friends)
 * is judged as that IPv4 address, and the lists match either form, so no
 * spelling of an address gets past a rule written for another.
 *
 * URLs are parsed with libcurl's own URL parser, the one that will make
 * the request: whatever it takes the host to be is what is checked.
 */
#include "url_policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define URL_POLICY_URL_MAX 8192

#define UP_LOOPBACK "loopback (allow it with [outbound] allow_loopback)"
#define UP_PRIVATE "private (allow it with [outbound] allow_private)"

/* An address in network order; AF_INET uses b[0..3]. */
struct up_addr {
	int family;
	unsigned char b[16];
};

__attribute__((format(printf, 3, 4)))
static void up__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

void url_policy_defaults(struct url_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->allow_loopback = false;
	p->allow_private = true;
}

/* ---------------------------------------------------------------- ranges */

static bool up__v4_in(const unsigned char *a, uint32_t net, unsigned prefix)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);

	return (v & mask) == (net & mask);
}

static bool up__prefix_match(const unsigned char *a, const unsigned char *net, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, net, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ net[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * The IPv4 address inside an IPv6 one, if it carries one: mapped
 * (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d), compatible
 * (::a.b.c.d, which :: and ::1 are not), NAT64 (64:ff9b::a.b.c.d, and
 * the local-use 64:ff9b:1::/48 with the address in its last 32 bits, the
 * /96 layout of RFC 6052) or 6to4 (2002:aabb:ccdd::/48).  A NAT64 gateway
 * or a 6to4 relay connects to the IPv4 address, so that is the one judged.
 */
static bool up__embedded_v4(const struct up_addr *a, struct up_addr *v4)
{
	static const unsigned char zero[12];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 0x01 };
	const unsigned char *b = a->b;
	const unsigned char *inner = b + 12;

	if (a->family != AF_INET6)
		return false;
	if (b[0] == 0x20 && b[1] == 0x02) {
		inner = b + 2;
	} else if (memcmp(b, nat64, 12) == 0 || memcmp(b, nat64_local, 6) == 0) {
		inner = b + 12;
	} else if (memcmp(b, mapped, 12) != 0 && memcmp(b, translated, 12) != 0) {
		if (memcmp(b, zero, 12) != 0)
			return false;
		if (b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1)
			return false; /* :: and ::1 are IPv6's own */
	}
	memset(v4, 0, sizeof(*v4));
	v4->family = AF_INET;
	memcpy(v4->b, inner, 4);
	return true;
}

static bool up__cidr_match(const struct url_cidr *c, const struct up_addr *a)
{
	return c->family == a->family && up__prefix_match(a->b, c->addr, c->prefix);
}

/* Whether any entry of list matches a, or the IPv4 address inside it. */
static bool up__list_match(const struct url_cidr *list, size_t n, const struct up_addr *a,
			   const struct up_addr *inner)
{
	for (size_t i = 0; i < n && i < URL_POLICY_CIDRS; i++)
		if (up__cidr_match(&list[i], a) || (inner && up__cidr_match(&list[i], inner)))
			return true;
	return false;
}

static bool up__metadata(const struct up_addr *a)
{
	static const unsigned char ec2_v6[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
						  0,    0,    0,    0,    0, 0, 0x02, 0x54 };

	if (a->family == AF_INET)
		return up__v4_in(a->b, 0xa9fea9feu, 32) ||  /* 169.254.169.254 */
		       up__v4_in(a->b, 0x646464c8u, 32) ||  /* 100.100.100.200 */
		       up__v4_in(a->b, 0xc00000c0u, 32);    /* 192.0.0.192 (Oracle Cloud) */
	return memcmp(a->b, ec2_v6, 16) == 0;
}

/* Why the built-in rules refuse a, or NULL when they allow it. */
static const char *up__builtin(const struct url_policy *p, const struct up_addr *a)
{
	const unsigned char *b = a->b;

	if (a->family == AF_INET) {
		if (up__v4_in(b, 0x00000000u, 8))
			return "unspecified (0.0.0.0/8)";
		if (up__v4_in(b, 0xa9fe0000u, 16))
			return "link-local (169.254.0.0/16)";
		/* IETF protocol assignments: DS-Lite, NAT64 discovery, and in
		 * some clouds the metadata service (192.0.0.192). */
		if (up__v4_in(b, 0xc0000000u, 24))
			return "reserved for protocol assignments (192.0.0.0/24)";
		if (up__v4_in(b, 0xe0000000u, 4))
			return "multicast (224.0.0.0/4)";
		if (up__v4_in(b, 0xffffffffu, 32))
			return "the broadcast address";
		if (up__v4_in(b, 0xf0000000u, 4))
			return "reserved (240.0.0.0/4)";
		if (up__v4_in(b, 0x7f000000u, 8))
			return p->allow_loopback ? NULL : UP_LOOPBACK;
		if (up__v4_in(b, 0x0a000000u, 8) || up__v4_in(b, 0xac100000u, 12) ||
		    up__v4_in(b, 0xc0a80000u, 16) || up__v4_in(b, 0x64400000u, 10))
			return p->allow_private ? NULL : UP_PRIVATE;
		return NULL;
	}

	static const unsigned char any[16];
	static const unsigned char one[16] = { [15] = 1 };

	if (memcmp(b, any, 16) == 0)
		return "unspecified (::)";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local (fe80::/10)";
	if (b[0] == 0xff)
		return "multicast (ff00::/8)";
	if (memcmp(b, one, 16) == 0)
		return p->allow_loopback ? NULL : UP_LOOPBACK;
	/* Unique local fc00::/7, and the deprecated site-local fec0::/10 that
	 * still means "this site" where it is used. */
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
		return p->allow_private ? NULL : UP_PRIVATE;
	return NULL;
}

/* The verdict on a; shown names it in the reason ("the address ::1"). */
static int up__check(const struct url_policy *p, const struct up_addr *a, const char *shown,
		     char *why, size_t whylen)
{
	struct up_addr v4;
	const struct up_addr *inner = up__embedded_v4(a, &v4) ? &v4 : NULL;
	const char *reason;

	if (up__metadata(a) || (inner && up__metadata(inner))) {
		up__why(why, whylen, "%s is a cloud metadata address", shown);
		return -1;
	}
	if (up__list_match(p->deny, p->n_deny, a, inner)) {
		up__why(why, whylen, "%s is in [outbound] deny_cidrs", shown);
		return -1;
	}
	if (up__list_match(p->allow, p->n_allow, a, inner))
		return 0;
	reason = up__builtin(p, inner ? inner : a);
	if (reason) {
		up__why(why, whylen, "%s is %s", shown, reason);
		return -1;
	}
	return 0;
}

#define UP_SHOWN_MAX (INET6_ADDRSTRLEN + 80)

/* "the address 10.0.0.1" */
static void up__format(const struct up_addr *a, char *out, size_t outsz)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->b, text, sizeof(text)))
		snprintf(text, sizeof(text), "(unprintable)");
	snprintf(out, outsz, "the address %s", text);
}

int url_policy_check_addr(const struct url_policy *p, const struct sockaddr *sa, char *why,
			  size_t whylen)
{
	struct up_addr a = { 0 };
	char shown[UP_SHOWN_MAX];

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		a.family = AF_INET;
		memcpy(a.b, &in->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		a.family = AF_INET6;
		memcpy(a.b, &in6->sin6_addr, 16);
	} else {
		up__why(why, whylen, "only IPv4 and IPv6 addresses may be connected to");
		return -1;
	}
	up__format(&a, shown, sizeof(shown));
	return up__check(p, &a, shown, why, whylen);
}

/* ---------------------------------------------------------------- literals */

/*
 * An IPv4 address as the resolver reads one (inet_aton): one to four
 * parts, each decimal, octal with a leading 0 or hex with 0x, the last
 * filling the bytes left.  "2130706433", "0x7f.1" and "0177.0.0.1" are all
 * 127.0.0.1, and getaddrinfo() connects there: a check that only knew
 * dotted quads would let them through.  Exact: no sign, no space, nothing
 * after.
 */
static bool up__parse_v4_loose(const char *s, size_t len, unsigned char out[4])
{
	uint32_t parts[4];
	size_t n = 0, i = 0;
	uint32_t v;

	if (len == 0)
		return false;
	for (;;) {
		unsigned base = 10;
		uint64_t acc = 0;
		size_t digits = 0;

		if (n == 4)
			return false;
		if (i < len && s[i] == '0' && i + 1 < len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			base = 16;
			i += 2;
		} else if (i < len && s[i] == '0') {
			base = 8;
		}
		for (; i < len && s[i] != '.'; i++, digits++) {
			int c = (unsigned char)s[i], d;

			if (isdigit(c))
				d = c - '0';
			else if (base == 16 && isxdigit(c))
				d = tolower(c) - 'a' + 10;
			else
				return false;
			if ((unsigned)d >= base)
				return false;
			acc = acc * base + (unsigned)d;
			if (acc > 0xffffffffu)
				return false;
		}
		if (digits == 0)
			return false;
		parts[n++] = (uint32_t)acc;
		if (i == len)
			break;
		i++; /* the dot; one at the very end leaves an empty part */
	}
	for (size_t k = 0; k + 1 < n; k++)
		if (parts[k] > 0xff)
			return false;
	if (parts[n - 1] > (n == 1 ? 0xffffffffu : 0xffffffffu >> (8 * (n - 1))))
		return false;
	v = parts[n - 1];
	for (size_t k = 0; k + 1 < n; k++)
		v |= parts[k] << (8 * (3 - k));
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
	return true;
}

/* RFC 6761: these names are loopback wherever they are looked up. */
static bool up__localhost_name(const char *host, size_t len)
{
	static const char suffix[] = ".localhost";
	size_t sl = sizeof(suffix) - 1;

	if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
		return true;
	return len > sl && strncasecmp(host + len - sl, suffix, sl) == 0;
}

/* Judge curl's idea of the host: an IPv6 literal in brackets, an IPv4
 * literal in any spelling, a localhost name, or a name left to connect
 * time. */
static int up__check_host(const struct url_policy *p, const char *host, char *why,
			  size_t whylen)
{
	struct up_addr a = { 0 };
	char shown[UP_SHOWN_MAX];
	size_t len = strlen(host);

	if (len == 0) {
		up__why(why, whylen, "the URL has no host");
		return -1;
	}
	if (host[0] == '[') {
		char inner[INET6_ADDRSTRLEN + 1];
		size_t n = len >= 2 && host[len - 1] == ']' ? len - 2 : 0;
		const char *pct;

		if (n == 0 || n >= sizeof(inner)) {
			up__why(why, whylen, "the URL's host is not a valid IPv6 address");
			return -1;
		}
		memcpy(inner, host + 1, n);
		inner[n] = '\0';
		/* A zone ("fe80::1%eth0") picks an interface, not an address. */
		pct = strchr(inner, '%');
		if (pct)
			inner[pct - inner] = '\0';
		a.family = AF_INET6;
		if (inet_pton(AF_INET6, inner, a.b) != 1) {
			up__why(why, whylen, "the URL's host is not a valid IPv6 address");
			return -1;
		}
		up__format(&a, shown, sizeof(shown));
		return up__check(p, &a, shown, why, whylen);
	}
	/* The resolver ignores one trailing dot: "127.0.0.1." is 127.0.0.1. */
	if (host[len - 1] == '.')
		len--;
	if (up__parse_v4_loose(host, len, a.b)) {
		a.family = AF_INET;
		up__format(&a, shown, sizeof(shown));
		return up__check(p, &a, shown, why, whylen);
	}
	if (up__localhost_name(host, len)) {
		size_t n = len > 64 ? 64 : len;

		/* Shortened on a character boundary: reasons end up in JSON. */
		while (n > 0 && n < len && ((unsigned char)host[n] & 0xc0) == 0x80)
			n--;
		a.family = AF_INET;
		a.b[0] = 127;
		a.b[3] = 1;
		snprintf(shown, sizeof(shown), "the host %.*s", (int)n, host);
		return up__check(p, &a, shown, why, whylen);
	}
	return 0;
}

int url_policy_check_url(const struct url_policy *p, const char *url, char *why,
			 size_t whylen)
{
	CURLU *u = NULL;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *part = NULL;
	size_t len;
	int rv = -1;

	if (!url || !*url) {
		up__why(why, whylen, "the URL is empty");
		return -1;
	}
	len = strlen(url);
	if (len > URL_POLICY_URL_MAX) {
		up__why(why, whylen, "the URL is longer than %d bytes", URL_POLICY_URL_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c == 0x7f) {
			up__why(why, whylen, "the URL contains a space or a control character");
			return -1;
		}
	}

	u = curl_url();
	if (!u) {
		up__why(why, whylen, "out of memory");
		return -1;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc == CURLUE_UNSUPPORTED_SCHEME) {
		up__why(why, whylen, "only http and https URLs are allowed");
		goto out;
	}
	if (uc != CURLUE_OK) {
		/* curl's reasons are fixed phrases ("Bad hostname"), never the
		 * URL itself. */
		up__why(why, whylen, "not a valid URL (%s)", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		up__why(why, whylen, "only http and https URLs are allowed");
		goto out;
	}
	/* Credentials in a URL end up in lists, logs and API answers. */
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK) {
		up__why(why, whylen, "the URL must not contain a user name or password");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		up__why(why, whylen, "the URL has no host");
		goto out;
	}
	rv = up__check_host(p, host, why, whylen);
out:
	curl_free(part);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rv;
}

/* ---------------------------------------------------------------- CIDR lists */

static int up__parse_cidr(const char *item, struct url_cidr *c, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(item, '/');
	size_t alen = slash ? (size_t)(slash - item) : strlen(item);
	unsigned max, prefix;

	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, item, alen);
	addr[alen] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		goto bad;
	}
	prefix = max;
	if (slash) {
		const char *d = slash + 1;
		size_t nd = strlen(d);

		if (nd == 0 || nd > 3 || strspn(d, "0123456789") != nd)
			goto bad;
		prefix = 0;
		for (size_t i = 0; i < nd; i++)
			prefix = prefix * 10 + (unsigned)(d[i] - '0');
		if (prefix > max)
			goto bad;
	}
	c->prefix = prefix;
	/* Bits past the prefix are most likely a typo ("10.0.0.1/8"). */
	for (unsigned bit = prefix; bit < max; bit++) {
		if (c->addr[bit / 8] & (0x80 >> (bit % 8))) {
			up__why(why, whylen, "'%s' has bits set past its /%u prefix", item, prefix);
			return -1;
		}
	}
	return 0;
bad:
	up__why(why, whylen, "'%.60s' is not an address or a CIDR such as 10.0.0.0/8 or fd00::/8",
		item);
	return -1;
}

int url_policy_parse_cidrs(const char *text, struct url_cidr *out, size_t *n, char *why,
			   size_t whylen)
{
	static const char seps[] = ", \t";
	const char *s = text ? text : "";
	size_t count = 0;

	*n = 0;
	while (*s) {
		char item[INET6_ADDRSTRLEN + 8];
		size_t len;

		s += strspn(s, seps);
		if (!*s)
			break;
		len = strcspn(s, seps);
		if (len >= sizeof(item)) {
			up__why(why, whylen, "'%.40s...' is not an address or a CIDR", s);
			return -1;
		}
		if (count == URL_POLICY_CIDRS) {
			up__why(why, whylen, "more than %d entries", URL_POLICY_CIDRS);
			return -1;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		if (up__parse_cidr(item, &out[count], why, whylen) != 0)
			return -1;
		count++;
		s += len;
	}
	*n = count;
	return 0;
}
