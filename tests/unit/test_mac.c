/*
 * MAC addresses: every usual spelling comes out as HA writes it, and
 * anything else (a wrong length, a stray separator, mixed separators, a
 * non-hex digit, spaces) is refused with nothing written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mac.h"

static void test_spellings(void **state)
{
	static const char *const in[] = {
		"aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF", "aA-bB-cC-dD-eE-fF",
		"aabb.ccdd.eeff", "AABBCCDDEEFF",
	};
	char out[MAC_TEXT_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_true(mac_normalize(in[i], out));
		assert_string_equal(out, "aa:bb:cc:dd:ee:ff");
	}
	assert_true(mac_normalize("00:17:88:4a:1b:2c", out));
	assert_string_equal(out, "00:17:88:4a:1b:2c");
}

static void test_refused(void **state)
{
	static const char *const in[] = {
		"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb-cc:dd:ee:ff",
		"aa:bb:cc:dd:ee:fg", "aa bb cc dd ee ff", "aa.bb.cc.dd.ee.ff", "aabb:ccdd:eeff",
		"aab.bccd.deeff", "aabbccddeef", "aabbccddeeff0", " aabbccddeeff",
		"aa:bb:cc:dd:ee:f\xc3", "aa::bb:cc:dd:ee:f", "aa_bb_cc_dd_ee_ff",
	};
	char out[MAC_TEXT_LEN + 1];

	(void)state;
	assert_false(mac_normalize(NULL, out));
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		out[0] = 'x';
		assert_false(mac_normalize(in[i], out));
		assert_string_equal(out, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
