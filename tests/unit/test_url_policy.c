/*
 * The outbound URL policy: schemes, credentials, every refused range in
 * IPv4 and IPv6, the IPv6 forms that carry an IPv4 address, the allow and
 * deny lists and their order, the many spellings of an IPv4 literal the
 * resolver accepts, CIDR lists, and garbage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "url_policy.h"

static char why[256];

static struct url_policy policy(bool loopback, bool private_lan, const char *allow,
				const char *deny)
{
	struct url_policy p;

	url_policy_defaults(&p);
	p.allow_loopback = loopback;
	p.allow_private = private_lan;
	if (url_policy_parse_cidrs(allow, p.allow, &p.n_allow, why, sizeof(why)) != 0)
		fail_msg("allow list '%s': %s", allow, why);
	if (url_policy_parse_cidrs(deny, p.deny, &p.n_deny, why, sizeof(why)) != 0)
		fail_msg("deny list '%s': %s", deny, why);
	return p;
}

static void url_ok(const struct url_policy *p, const char *url)
{
	why[0] = '\0';
	if (url_policy_check_url(p, url, why, sizeof(why)) != 0)
		fail_msg("'%s' refused: %s", url, why);
}

/* Refused, with want in the reason. */
static void url_refused(const struct url_policy *p, const char *url, const char *want)
{
	why[0] = '\0';
	if (url_policy_check_url(p, url, why, sizeof(why)) == 0)
		fail_msg("'%s' allowed, wanted refused (%s)", url, want);
	if (!strstr(why, want))
		fail_msg("'%s': reason '%s', wanted '%s'", url, why, want);
}

static int check_text_addr(const struct url_policy *p, const char *text)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	why[0] = '\0';
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return url_policy_check_addr(p, (struct sockaddr *)&in, why, sizeof(why));
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1)
		return url_policy_check_addr(p, (struct sockaddr *)&in6, why, sizeof(why));
	fail_msg("'%s' is not an address", text);
	return -2;
}

static void addr_ok(const struct url_policy *p, const char *text)
{
	if (check_text_addr(p, text) != 0)
		fail_msg("%s refused: %s", text, why);
}

static void addr_refused(const struct url_policy *p, const char *text, const char *want)
{
	if (check_text_addr(p, text) == 0)
		fail_msg("%s allowed, wanted refused (%s)", text, want);
	if (!strstr(why, want))
		fail_msg("%s: reason '%s', wanted '%s'", text, why, want);
}

/* The address is refused both when connected to and when written in a
 * URL (bracketed when IPv6). */
static void both_refused(const struct url_policy *p, const char *text, const char *want)
{
	char url[128];

	addr_refused(p, text, want);
	snprintf(url, sizeof(url), strchr(text, ':') ? "http://[%s]:8080/x" : "http://%s:8080/x",
		 text);
	url_refused(p, url, want);
}

static void both_ok(const struct url_policy *p, const char *text)
{
	char url[128];

	addr_ok(p, text);
	snprintf(url, sizeof(url), strchr(text, ':') ? "https://[%s]/x" : "https://%s/x", text);
	url_ok(p, url);
}

static void test_defaults(void **state)
{
	(void)state;
	struct url_policy p;

	memset(&p, 0xa5, sizeof(p));
	url_policy_defaults(&p);
	assert_false(p.allow_loopback);
	assert_true(p.allow_private);
	assert_int_equal(p.n_allow, 0);
	assert_int_equal(p.n_deny, 0);
}

static void test_schemes(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");

	url_ok(&p, "http://example.com/");
	url_ok(&p, "https://example.com/hook?x=1#frag");
	url_ok(&p, "HTTPS://Example.COM:8443/path");
	url_ok(&p, "http://example.com");
	url_ok(&p, "https://api.telegram.org/bot123:abc/sendMessage");
	url_refused(&p, "ftp://example.com/", "only http and https");
	url_refused(&p, "gopher://example.com/", "only http and https");
	url_refused(&p, "file:///etc/passwd", "only http and https");
	url_refused(&p, "dict://example.com:11211/stats", "only http and https");
	url_refused(&p, "ws://example.com/", "only http and https");
	url_refused(&p, "javascript:alert(1)", "");
	url_refused(&p, "data:text/plain,hi", "");
	url_refused(&p, "foo://example.com/", "only http and https");
	url_refused(&p, "example.com/path", "not a valid URL");
	url_refused(&p, "//example.com/path", "not a valid URL");
	url_refused(&p, "http:example.com", "not a valid URL");
}

static void test_userinfo(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");

	url_refused(&p, "http://user:pass@example.com/", "user name or password");
	url_refused(&p, "http://user@example.com/", "user name or password");
	url_refused(&p, "http://:pass@example.com/", "user name or password");
	url_refused(&p, "http://@example.com/", "user name or password");
	/* The classic confusion: the host is evil.com, 127.0.0.1:80 is
	 * credentials. */
	url_refused(&p, "http://127.0.0.1:80@evil.com/", "user name or password");
	/* An @ after the fragment mark is not userinfo; the host is evil.com. */
	url_ok(&p, "http://evil.com#@127.0.0.1/");
}

static void test_garbage(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	char big[9000];

	url_refused(&p, NULL, "empty");
	url_refused(&p, "", "empty");
	url_refused(&p, " http://example.com/", "space or a control character");
	url_refused(&p, "http://example.com/ x", "space or a control character");
	url_refused(&p, "http://example.com/\r\nX-Injected: 1", "control character");
	url_refused(&p, "http://example.com/\x7f", "control character");
	url_refused(&p, "http://example.com/\t", "control character");
	url_refused(&p, "http://", "not a valid URL");
	url_refused(&p, "http://:80/", "not a valid URL");
	url_refused(&p, "http://[::1/", "not a valid URL");
	url_refused(&p, "http://[v1.fe]/", "not a valid URL");
	url_refused(&p, "http://[fe80::1%/", "not a valid URL");
	url_refused(&p, "http://example.com:99999/", "not a valid URL");
	url_refused(&p, "http://exa\\mple.com/", "not a valid URL");
	url_refused(&p, "http://127.0.0.1%2f@x/", "");
	url_refused(&p, "://", "");
	url_refused(&p, "http", "");

	memset(big, 'a', sizeof(big));
	memcpy(big, "http://example.com/", 19);
	big[sizeof(big) - 1] = '\0';
	url_refused(&p, big, "longer than");

	/* why may be left out */
	assert_int_equal(url_policy_check_url(&p, "ftp://x/", NULL, 0), -1);
	assert_int_equal(url_policy_check_url(&p, "http://169.254.169.254/", why, 1), -1);
	assert_string_equal(why, "");
}

static void test_ipv4_ranges(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy strict = policy(false, false, "", "");
	struct url_policy open = policy(true, true, "", "");

	both_refused(&p, "0.0.0.0", "unspecified");
	both_refused(&p, "0.1.2.3", "unspecified");
	both_refused(&p, "169.254.0.1", "link-local");
	both_refused(&p, "169.254.255.255", "link-local");
	both_refused(&p, "169.254.169.254", "cloud metadata");
	both_refused(&p, "100.100.100.200", "cloud metadata");
	both_refused(&p, "224.0.0.1", "multicast");
	both_refused(&p, "239.255.255.250", "multicast");
	both_refused(&p, "240.0.0.1", "reserved");
	both_refused(&p, "255.255.255.254", "reserved");
	both_refused(&p, "255.255.255.255", "broadcast");
	both_refused(&p, "127.0.0.1", "loopback");
	both_refused(&p, "127.255.255.254", "loopback");
	both_refused(&p, "127.0.0.1", "allow_loopback");

	/* Private LAN: allowed by default, refused when switched off. */
	both_ok(&p, "10.0.0.1");
	both_ok(&p, "172.16.0.1");
	both_ok(&p, "172.31.255.254");
	both_ok(&p, "192.168.1.10");
	both_ok(&p, "100.64.0.1");
	both_ok(&p, "100.127.255.254");
	both_refused(&strict, "10.0.0.1", "private");
	both_refused(&strict, "172.16.0.1", "private");
	both_refused(&strict, "172.31.255.254", "private");
	both_refused(&strict, "192.168.1.10", "allow_private");
	both_refused(&strict, "100.64.0.1", "private");

	/* Just outside those ranges. */
	both_ok(&strict, "172.15.255.255");
	both_ok(&strict, "172.32.0.0");
	both_ok(&strict, "100.63.255.255");
	both_ok(&strict, "100.128.0.0");
	both_ok(&strict, "169.253.255.255");
	both_ok(&strict, "169.255.0.0");
	both_ok(&strict, "1.0.0.0");
	both_ok(&strict, "126.255.255.255");
	both_ok(&strict, "128.0.0.0");
	both_ok(&strict, "223.255.255.255");
	both_ok(&strict, "8.8.8.8");
	both_ok(&p, "100.100.100.201");
	both_ok(&strict, "93.184.216.34");

	/* allow_loopback opens loopback, and only that. */
	both_ok(&open, "127.0.0.1");
	both_ok(&open, "127.1.2.3");
	both_refused(&open, "169.254.169.254", "cloud metadata");
	both_refused(&open, "169.254.1.1", "link-local");
	both_refused(&open, "0.0.0.0", "unspecified");
	both_refused(&open, "224.0.0.251", "multicast");
}

/* 192.0.0.0/24, IETF protocol assignments, holds Oracle Cloud's metadata
 * service at 192.0.0.192: refused, and that address even when allowed. */
static void test_protocol_assignments(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy open = policy(true, true, "192.0.0.0/24", "");

	both_refused(&p, "192.0.0.192", "cloud metadata");
	both_refused(&p, "192.0.0.0", "192.0.0.0/24");
	both_refused(&p, "192.0.0.8", "protocol assignments");
	both_refused(&p, "192.0.0.255", "192.0.0.0/24");
	url_refused(&p, "http://3221225664/", "cloud metadata");     /* 192.0.0.192 */
	url_refused(&p, "http://0xc0.0.0.0300/", "cloud metadata");
	both_ok(&p, "192.0.1.0");
	both_ok(&p, "191.255.255.255");
	both_ok(&open, "192.0.0.8");
	both_refused(&open, "192.0.0.192", "cloud metadata");
}

static void test_ipv6_ranges(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy strict = policy(false, false, "", "");
	struct url_policy open = policy(true, true, "", "");

	both_refused(&p, "::", "unspecified");
	both_refused(&p, "::1", "loopback");
	both_refused(&p, "fe80::1", "link-local");
	both_refused(&p, "febf:ffff::1", "link-local");
	both_refused(&p, "ff02::1", "multicast");
	both_refused(&p, "ff05::1:3", "multicast");
	both_refused(&p, "fd00:ec2::254", "cloud metadata");
	both_refused(&open, "fd00:ec2::254", "cloud metadata");
	both_ok(&p, "fd00:ec2::253");
	both_ok(&p, "fc00::1");
	both_ok(&p, "fd12:3456:789a::1");
	both_ok(&p, "fec0::1");
	both_refused(&strict, "fc00::1", "private");
	both_refused(&strict, "fdff:ffff::1", "private");
	both_refused(&strict, "fec0::1", "private");
	both_ok(&strict, "2001:db8::1");
	both_ok(&strict, "2606:4700:4700::1111");
	both_ok(&strict, "fe00::1");
	both_ok(&strict, "fbff::1");
	both_ok(&open, "::1");
	both_refused(&open, "fe80::1", "link-local");
	both_refused(&open, "::", "unspecified");

	/* A zone picks an interface, not an address. */
	url_refused(&p, "http://[fe80::1%25eth0]/", "link-local");
	url_refused(&p, "http://[::1%251]/", "loopback");
}

/* IPv6 spellings of IPv4 addresses are judged as those addresses. */
static void test_mapped(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy strict = policy(false, false, "", "");
	struct url_policy open = policy(true, true, "", "");

	both_refused(&p, "::ffff:127.0.0.1", "loopback");
	both_refused(&p, "::ffff:7f00:1", "loopback");
	both_refused(&p, "0:0:0:0:0:ffff:127.0.0.1", "loopback");
	both_refused(&p, "::ffff:169.254.169.254", "cloud metadata");
	both_refused(&p, "::ffff:a9fe:a9fe", "cloud metadata");
	both_refused(&p, "::ffff:100.100.100.200", "cloud metadata");
	both_refused(&p, "::ffff:169.254.1.1", "link-local");
	both_refused(&p, "::ffff:0.0.0.0", "unspecified");
	both_refused(&p, "::ffff:224.0.0.1", "multicast");
	both_refused(&p, "::ffff:255.255.255.255", "broadcast");
	both_refused(&strict, "::ffff:10.0.0.1", "private");
	both_refused(&strict, "::ffff:192.168.0.1", "private");
	both_ok(&p, "::ffff:10.0.0.1");
	both_ok(&p, "::ffff:8.8.8.8");
	both_ok(&open, "::ffff:127.0.0.1");

	/* IPv4-compatible (deprecated) and IPv4-translated forms. */
	both_refused(&p, "::127.0.0.1", "loopback");
	both_refused(&p, "::169.254.169.254", "cloud metadata");
	both_refused(&p, "::169.254.0.1", "link-local");
	both_refused(&p, "::ffff:0:127.0.0.1", "loopback");
	both_refused(&p, "::ffff:0:169.254.169.254", "cloud metadata");
	both_refused(&strict, "::10.1.1.1", "private");
	both_ok(&p, "::8.8.8.8");

	both_refused(&p, "::ffff:192.0.0.192", "cloud metadata");
	both_refused(&p, "::192.0.0.170", "192.0.0.0/24");

	/* The reason shows the address as written in IPv6. */
	addr_refused(&p, "::ffff:169.254.1.1", "the address ::ffff:169.254.1.1 is link-local");
}

/* NAT64 (RFC 6052 well-known and RFC 8215 local-use prefixes) and 6to4
 * (RFC 3056): a gateway or relay connects to the IPv4 address inside, so
 * it is the one judged. */
static void test_nat64_6to4(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy strict = policy(false, false, "", "");
	struct url_policy open = policy(true, true, "", "");

	both_refused(&p, "64:ff9b::127.0.0.1", "loopback");
	both_refused(&p, "64:ff9b::7f00:1", "loopback");
	both_refused(&p, "64:ff9b::169.254.169.254", "cloud metadata");
	both_refused(&p, "64:ff9b::a9fe:a9fe", "cloud metadata");
	both_refused(&p, "64:ff9b::100.100.100.200", "cloud metadata");
	both_refused(&p, "64:ff9b::192.0.0.192", "cloud metadata");
	both_refused(&p, "64:ff9b::169.254.0.1", "link-local");
	both_refused(&p, "64:ff9b::0.0.0.0", "unspecified");
	both_refused(&p, "64:ff9b::224.0.0.1", "multicast");
	both_refused(&p, "64:ff9b::255.255.255.255", "broadcast");
	both_refused(&strict, "64:ff9b::10.0.0.1", "private");
	both_ok(&p, "64:ff9b::10.0.0.1");
	both_ok(&p, "64:ff9b::8.8.8.8");
	both_ok(&open, "64:ff9b::127.0.0.1");
	/* Outside the /96: not NAT64, an ordinary global address. */
	both_ok(&p, "64:ff9b:0:0:1::7f00:1");

	both_refused(&p, "64:ff9b:1::127.0.0.1", "loopback");
	both_refused(&p, "64:ff9b:1:abcd:ef::a9fe:a9fe", "cloud metadata");
	both_refused(&p, "64:ff9b:1:ffff:ffff:ffff:c000:c0", "cloud metadata");
	both_refused(&strict, "64:ff9b:1::192.168.1.1", "private");
	both_ok(&p, "64:ff9b:1::8.8.4.4");
	both_ok(&p, "64:ff9b:2::7f00:1");

	both_refused(&p, "2002:7f00:1::", "loopback");
	both_refused(&p, "2002:7f00:0001:1234::1", "loopback");
	both_refused(&p, "2002:a9fe:a9fe::", "cloud metadata");
	both_refused(&p, "2002:c000:c0::1", "cloud metadata");
	both_refused(&p, "2002:a9fe:1::", "link-local");
	both_refused(&p, "2002::", "unspecified");
	both_refused(&p, "2002:e000:1::", "multicast");
	both_refused(&strict, "2002:c0a8:101::1", "private");
	both_ok(&p, "2002:c0a8:101::1");
	both_ok(&p, "2002:808:808::1");
	both_ok(&open, "2002:7f00:1::");
	both_ok(&p, "2003:7f00:1::");

	/* The lists match the IPv4 address inside, too. */
	struct url_policy deny = policy(false, true, "", "8.8.8.0/24");
	struct url_policy allow = policy(false, true, "127.0.0.0/8", "");

	both_refused(&deny, "64:ff9b::8.8.8.8", "deny_cidrs");
	both_refused(&deny, "2002:808:808::", "deny_cidrs");
	both_ok(&allow, "64:ff9b::127.0.0.1");
	both_refused(&allow, "2002:a9fe:a9fe::", "cloud metadata");

	addr_refused(&p, "2002:7f00:1::", "the address 2002:7f00:1:: is loopback");
}

static void test_lists(void **state)
{
	(void)state;
	struct url_policy p;

	/* deny_cidrs refuses what would be allowed, in either spelling. */
	p = policy(false, true, "", "8.8.8.0/24, 2001:db8::/32");
	both_refused(&p, "8.8.8.8", "deny_cidrs");
	both_refused(&p, "::ffff:8.8.8.8", "deny_cidrs");
	both_refused(&p, "2001:db8::5", "deny_cidrs");
	both_ok(&p, "8.8.9.8");
	both_ok(&p, "2001:db9::5");

	/* allow_cidrs opens what the built-in rules refuse... */
	p = policy(false, false, "127.0.0.1/32 169.254.0.0/16 10.1.0.0/16 ff02::/16", "");
	both_ok(&p, "127.0.0.1");
	both_ok(&p, "::ffff:127.0.0.1");
	both_refused(&p, "127.0.0.2", "loopback");
	both_ok(&p, "169.254.10.20");
	both_ok(&p, "10.1.2.3");
	both_refused(&p, "10.2.0.1", "private");
	both_ok(&p, "ff02::1");
	/* ...but never a metadata address... */
	both_refused(&p, "169.254.169.254", "cloud metadata");
	both_refused(&p, "::ffff:169.254.169.254", "cloud metadata");
	p = policy(false, true, "0.0.0.0/0, ::/0", "");
	both_ok(&p, "127.0.0.1");
	both_ok(&p, "::1");
	both_ok(&p, "0.0.0.0");
	both_refused(&p, "169.254.169.254", "cloud metadata");
	both_refused(&p, "100.100.100.200", "cloud metadata");
	both_refused(&p, "fd00:ec2::254", "cloud metadata");

	/* ...and deny wins over allow. */
	p = policy(true, true, "10.0.0.0/8", "10.9.0.0/16 127.0.0.0/8");
	both_ok(&p, "10.8.0.1");
	both_refused(&p, "10.9.0.1", "deny_cidrs");
	both_refused(&p, "127.0.0.1", "deny_cidrs");
	both_refused(&p, "::ffff:10.9.0.1", "deny_cidrs");

	/* An IPv6 entry in mapped form matches the mapped spelling. */
	p = policy(false, true, "", "::ffff:0:0/96");
	both_refused(&p, "::ffff:8.8.8.8", "deny_cidrs");
	both_ok(&p, "8.8.8.8");
}

/* Every spelling of an IPv4 literal the resolver reads is judged as the
 * address it means. */
static void test_odd_literals(void **state)
{
	(void)state;
	struct url_policy p = policy(false, true, "", "");
	struct url_policy strict = policy(false, false, "", "");
	static const char *const loopback[] = {
		"http://2130706433/", "http://0x7f.1/", "http://0x7F.0.0.1/",
		"http://0177.0.0.1/", "http://0177.1/", "http://127.1/", "http://127.0.1/",
		"http://0x7f000001/", "http://017700000001/", "http://127.0.0.1./",
		"http://0x7f.1./", "http://2130706433./", "http://%31%32%37.0.0.1/",
		"http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/",
		"http://127.000.000.001/", "http://0x7f.0x0.0x0.0x1/", "http://127.0.0.1:80/",
		"http://LOCALHOST/", "http://localhost./", "http://db.localhost/",
	};
	static const char *const metadata[] = {
		"http://169.254.169.254/latest/meta-data/", "http://2852039166/",
		"http://0xa9fea9fe/", "http://0xa9.0xfe.0xa9.0xfe/", "http://0251.0376.0251.0376/",
		"http://169.254.43518/", "http://0251.254.169.254./",
		"http://[::ffff:a9fe:a9fe]/", "http://[::ffff:169.254.169.254]/",
		"http://100.100.100.200/", "http://1684301000/", "http://0x646464c8/",
		"http://100.100.25800/",
	};

	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		url_refused(&p, loopback[i], "loopback");
	for (size_t i = 0; i < sizeof(metadata) / sizeof(metadata[0]); i++)
		url_refused(&p, metadata[i], "cloud metadata");
	url_refused(&p, "http://0/", "unspecified");
	url_refused(&p, "http://0.0.0.0/", "unspecified");
	url_refused(&p, "http://0x0/", "unspecified");
	url_refused(&p, "http://0xffffffff/", "broadcast");
	url_refused(&p, "http://4294967295/", "broadcast");
	url_refused(&p, "http://0xe0.1/", "multicast");
	url_ok(&p, "http://167772161/"); /* 10.0.0.1, private LAN */
	url_refused(&strict, "http://167772161/", "the address 10.0.0.1 is private");

	/* The reason names the address it means. */
	url_refused(&p, "http://0x7f.1./", "the address 127.0.0.1 is loopback");
	url_refused(&p, "http://localhost:8123/", "the host localhost is loopback");

	/* Not addresses: names, looked up and checked when connecting. */
	url_ok(&p, "http://1.2.3.4.5/");
	url_ok(&p, "http://256.0.0.1/");
	url_ok(&p, "http://0x100000000/");
	url_ok(&p, "http://4294967296/");
	url_ok(&p, "http://09.0.0.1/");
	url_ok(&p, "http://0x/");
	url_ok(&p, "http://1..1/");
	url_ok(&p, "http://127.0.0.1../");
	url_ok(&p, "http://0x7f.example/");
	url_ok(&p, "http://localhost.example/");
	url_ok(&p, "http://mylocalhost/");
	url_ok(&p, "https://bücher.example/");

	/* With loopback allowed, the same spellings go through. */
	p = policy(true, true, "", "");
	url_ok(&p, "http://0x7f.1/");
	url_ok(&p, "http://localhost:8123/api");
	url_refused(&p, "http://0xa9fea9fe/", "cloud metadata");
}

static void test_check_addr_families(void **state)
{
	(void)state;
	struct url_policy p = policy(true, true, "0.0.0.0/0 ::/0", "");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80) };

	assert_int_equal(url_policy_check_addr(&p, (struct sockaddr *)&un, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "only IPv4 and IPv6"));
	assert_int_equal(url_policy_check_addr(&p, NULL, why, sizeof(why)), -1);
	in.sin_addr.s_addr = htonl(0x08080808);
	assert_int_equal(url_policy_check_addr(&p, (struct sockaddr *)&in, why, sizeof(why)), 0);
	in.sin_addr.s_addr = htonl(0xa9fea9fe);
	assert_int_equal(url_policy_check_addr(&p, (struct sockaddr *)&in, NULL, 0), -1);
}

static void test_parse_cidrs(void **state)
{
	(void)state;
	struct url_cidr c[URL_POLICY_CIDRS];
	size_t n = 99;

	assert_int_equal(url_policy_parse_cidrs("", c, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(url_policy_parse_cidrs(NULL, c, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(url_policy_parse_cidrs(" ,\t, ", c, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);

	assert_int_equal(url_policy_parse_cidrs("10.0.0.0/8, ::1/128 192.168.1.7,fd00::/8", c, &n,
						why, sizeof(why)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0].family, AF_INET);
	assert_int_equal(c[0].prefix, 8);
	assert_int_equal(c[0].addr[0], 10);
	assert_int_equal(c[1].family, AF_INET6);
	assert_int_equal(c[1].prefix, 128);
	assert_int_equal(c[1].addr[15], 1);
	assert_int_equal(c[2].family, AF_INET);
	assert_int_equal(c[2].prefix, 32); /* a bare address */
	assert_int_equal(c[2].addr[3], 7);
	assert_int_equal(c[3].prefix, 8);
	assert_int_equal(c[3].addr[0], 0xfd);
	assert_int_equal(url_policy_parse_cidrs("0.0.0.0/0 ::/0 2001:db8::", c, &n, why,
						sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(c[0].prefix, 0);
	assert_int_equal(c[2].prefix, 128);

#define BAD(text, want)                                                                   \
	do {                                                                              \
		why[0] = '\0';                                                            \
		assert_int_equal(url_policy_parse_cidrs(text, c, &n, why, sizeof(why)), -1); \
		if (!strstr(why, want))                                                   \
			fail_msg("'%s': '%s', wanted '%s'", text, why, want);             \
	} while (0)
	BAD("10.0.0.1/8", "has bits set past its /8 prefix");
	BAD("fd00::1/8", "bits set past");
	BAD("10.0.0.0/33", "'10.0.0.0/33' is not an address or a CIDR");
	BAD("::/129", "not an address");
	BAD("10.0.0.0/", "not an address");
	BAD("/8", "not an address");
	BAD("10.0.0.0/-1", "not an address");
	BAD("10.0.0.0/+8", "not an address");
	BAD("10.0.0.0/1000", "not an address");
	BAD("10.0.0.0/8/8", "not an address");
	BAD("example.com", "not an address");
	BAD("10.0.0", "not an address");
	BAD("0x7f.1", "not an address");
	BAD("10.0.0.0/8;127.0.0.0/8", "not an address");
	BAD("fe80::1%eth0", "not an address");
	BAD("[::1]", "not an address");
	BAD("10.0.0.0/8, nonsense", "'nonsense'");
	BAD("1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 1.1.1.10 "
	    "1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17", "more than 16");
	BAD("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "not an address");
#undef BAD

	/* Sixteen is the most. */
	assert_int_equal(url_policy_parse_cidrs(
				 "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 "
				 "1.1.1.9 1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 "
				 "1.1.1.16", c, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_schemes),
		cmocka_unit_test(test_userinfo),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_ipv4_ranges),
		cmocka_unit_test(test_ipv6_ranges),
		cmocka_unit_test(test_protocol_assignments),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_nat64_6to4),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_odd_literals),
		cmocka_unit_test(test_check_addr_families),
		cmocka_unit_test(test_parse_cidrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
