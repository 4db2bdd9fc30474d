/*
 * The settings kept in the database (lib/settings.c), without a database:
 * time zone names, PATCH validation, merging, the overlay over the file's
 * configuration and the document GET returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "settings.h"

#define SECRET "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[64];

static void put_file(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup_root(void **state)
{
	char path[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/hearth-tz.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/Europe", root);
	mkdir(path, 0755);
	put_file("Europe/Berlin", "TZif2 and the rest of a compiled zone");
	put_file("UTC", "TZif2");
	put_file("zone.tab", "# not a zone\n");
	put_file("Etc+", "TZif");
	snprintf(path, sizeof(path), "%s/Zulu", root);
	if (symlink("UTC", path) != 0)
		return -1;
	return 0;
}

static int teardown_root(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_timezone_names(void **state)
{
	(void)state;
	assert_true(settings_timezone_valid(root, ""));
	assert_true(settings_timezone_valid(root, "Europe/Berlin"));
	assert_true(settings_timezone_valid(root, "UTC"));
	assert_true(settings_timezone_valid(root, "Zulu"));          /* a link */
	assert_true(settings_timezone_valid(root, "Etc+"));
	assert_false(settings_timezone_valid(root, NULL));
	assert_false(settings_timezone_valid(root, "Europe/Paris"));  /* absent */
	assert_false(settings_timezone_valid(root, "Europe"));        /* a directory */
	assert_false(settings_timezone_valid(root, "Europe/"));
	assert_false(settings_timezone_valid(root, "zone.tab"));      /* not TZif; '.' refused */
	assert_false(settings_timezone_valid(root, "/etc/passwd"));
	assert_false(settings_timezone_valid(root, "../etc/passwd"));
	assert_false(settings_timezone_valid(root, "Europe/../UTC"));
	assert_false(settings_timezone_valid(root, "Europe//Berlin"));
	assert_false(settings_timezone_valid(root, "Europe/Berlin "));
	assert_false(settings_timezone_valid(root, "Europe/Berlin\n"));
	assert_false(settings_timezone_valid(NULL, "UTC"));
}

/* The system's own zoneinfo, where it is installed. */
static void test_timezone_system(void **state)
{
	(void)state;
	if (access(SETTINGS_ZONEINFO "/Europe/Berlin", R_OK) != 0)
		skip();
	assert_true(settings_timezone_valid(SETTINGS_ZONEINFO, "Europe/Berlin"));
	assert_true(settings_timezone_valid(SETTINGS_ZONEINFO, "America/Argentina/Buenos_Aires"));
	assert_false(settings_timezone_valid(SETTINGS_ZONEINFO, "Mars/Olympus_Mons"));
	assert_false(settings_timezone_valid(SETTINGS_ZONEINFO, "zone.tab"));
}

/* The problems settings_check_patch finds in text, as "field:type,...". */
static char *problems(const char *text)
{
	static char out[512];
	json_error_t jerr;
	json_t *patch = json_loads(text, 0, &jerr), *errs = json_array(), *e;
	size_t i, n, len = 0;

	assert_non_null(patch);
	n = settings_check_patch(patch, errs);
	assert_int_equal(n, json_array_size(errs));
	out[0] = '\0';
	json_array_foreach(errs, i, e) {
		const char *field = json_string_value(json_array_get(json_object_get(e, "loc"), 1));

		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s:%s", i ? "," : "",
					field ? field : "-",
					json_string_value(json_object_get(e, "type")));
	}
	json_decref(patch);
	json_decref(errs);
	return out;
}

static void test_check_patch(void **state)
{
	(void)state;
	assert_string_equal(problems("{}"), "");
	assert_string_equal(problems("{\"log_level\": \"debug\", \"outbound_allow_private\": false,"
				     " \"telegram_chat_id\": \"@hearth_home\","
				     " \"outbound_deny_cidrs\": \"203.0.113.0/24, 2001:db8::/32\","
				     " \"ha_media_player\": \"media_player.kitchen\"}"), "");
	/* null is "back to the file's value" for every key. */
	assert_string_equal(problems("{\"timezone\": null, \"log_level\": null,"
				     " \"outbound_allow_private\": null}"), "");
	assert_string_equal(problems("{\"bogus\": 1}"), "bogus:extra_forbidden");
	assert_string_equal(problems("{\"database_host\": \"x\"}"), "database_host:extra_forbidden");
	assert_string_equal(problems("{\"outbound_allow_loopback\": true}"),
			    "outbound_allow_loopback:extra_forbidden");
	assert_string_equal(problems("{\"outbound_allow_private\": \"yes\"}"),
			    "outbound_allow_private:bool_type");
	assert_string_equal(problems("{\"outbound_allow_private\": 1}"),
			    "outbound_allow_private:bool_type");
	assert_string_equal(problems("{\"timezone\": 3}"), "timezone:string_type");
	assert_string_equal(problems("{\"log_level\": \"loud\"}"), "log_level:enum");
	assert_string_equal(problems("{\"log_level\": \"emerg\"}"), "log_level:enum");
	assert_string_equal(problems("{\"outbound_deny_cidrs\": \"10.0.0.0/33\"}"),
			    "outbound_deny_cidrs:value_error");
	assert_string_equal(problems("{\"telegram_chat_id_info\": \"12ab\"}"),
			    "telegram_chat_id_info:value_error");
	assert_string_equal(problems("{\"ha_tts_entity\": \"TTS.Speak\"}"), "ha_tts_entity:value_error");
	assert_string_equal(problems("{\"timezone\": \"../../etc/passwd\"}"), "timezone:value_error");
	/* Every problem at once, each key once. */
	assert_string_equal(problems("{\"bogus\": 1, \"log_level\": 2, \"telegram_chat_id\": \"x\"}"),
			    "log_level:string_type,bogus:extra_forbidden,telegram_chat_id:value_error");
}

static void file_config(struct hearth_config *cfg)
{
	static const char text[] = "[security]\nsecret_key = " SECRET "\n"
				   "[telegram]\nchat_id = 42\n"
				   "[homeassistant]\nurl = http://192.168.1.10:8123\n";
	char err[256];

	assert_int_equal(config_load_text("hearth.conf", text, sizeof(text) - 1, false, cfg, err,
					  sizeof(err)), 0);
}

static void test_merge(void **state)
{
	json_t *values = json_pack("{s:s, s:b}", "timezone", "UTC", "outbound_allow_private", 0);
	json_t *patch = json_pack("{s:n, s:s}", "timezone", "log_level", "debug");
	json_t *merged;

	(void)state;
	merged = settings_merge(values, patch);
	assert_non_null(merged);
	assert_null(json_object_get(merged, "timezone"));
	assert_string_equal(json_string_value(json_object_get(merged, "log_level")), "debug");
	assert_true(json_is_false(json_object_get(merged, "outbound_allow_private")));
	/* values itself is left alone */
	assert_string_equal(json_string_value(json_object_get(values, "timezone")), "UTC");
	json_decref(merged);
	merged = settings_merge(NULL, patch);
	assert_int_equal(json_object_size(merged), 1);
	json_decref(merged);
	json_decref(values);
	json_decref(patch);
}

static void test_overlay(void **state)
{
	static struct hearth_config file, out;
	const char *bad_key = NULL;
	char err[256];
	json_t *values;

	(void)state;
	file_config(&file);

	values = json_pack("{s:s, s:s, s:s}", "log_level", "debug", "telegram_chat_id", "-100",
			   "outbound_deny_cidrs", "203.0.113.0/24");
	assert_int_equal(settings_overlay(&file, values, true, &out, &bad_key, err, sizeof(err)), 0);
	assert_int_equal(out.log_level, LOG_DEBUG);
	assert_string_equal(out.telegram_chat_id, "-100");
	assert_string_equal(out.outbound_deny_cidrs, "203.0.113.0/24");
	/* the file's keys are kept */
	assert_string_equal(out.ha_url, "http://192.168.1.10:8123");
	assert_int_equal(file.log_level, LOG_INFO);
	json_decref(values);

	/* A combination the file's checks refuse: Home Assistant on the LAN
	 * with private addresses refused. */
	values = json_pack("{s:b}", "outbound_allow_private", 0);
	assert_int_equal(settings_overlay(&file, values, true, &out, &bad_key, err, sizeof(err)), -1);
	assert_null(bad_key);
	assert_non_null(strstr(err, "homeassistant.url"));
	/* Not strict (a worker applying what is stored): without it. */
	assert_int_equal(settings_overlay(&file, values, false, &out, NULL, err, sizeof(err)), 0);
	assert_true(out.outbound_allow_private);
	json_decref(values);
	/* ... and only it: the other stored values still apply. */
	values = json_pack("{s:b, s:s, s:s}", "outbound_allow_private", 0, "log_level", "debug",
			   "telegram_chat_id", "-100");
	assert_int_equal(settings_overlay(&file, values, false, &out, NULL, err, sizeof(err)), 0);
	assert_true(out.outbound_allow_private);
	assert_int_equal(out.log_level, LOG_DEBUG);
	assert_string_equal(out.telegram_chat_id, "-100");
	json_decref(values);

	/* A bad stored value: strict names it, otherwise it is skipped. */
	values = json_pack("{s:s, s:s}", "telegram_chat_id", "x y", "log_level", "warning");
	assert_int_equal(settings_overlay(&file, values, true, &out, &bad_key, err, sizeof(err)), -1);
	assert_string_equal(bad_key, "telegram_chat_id");
	assert_int_equal(settings_overlay(&file, values, false, &out, NULL, err, sizeof(err)), 0);
	assert_string_equal(out.telegram_chat_id, "42");
	assert_int_equal(out.log_level, LOG_WARNING);
	json_decref(values);
}

static void test_document(void **state)
{
	static struct hearth_config cfg;
	json_t *doc;

	(void)state;
	file_config(&cfg);
	doc = settings_document(&cfg);
	assert_non_null(doc);
	assert_int_equal(json_object_size(doc), 14);
	assert_string_equal(json_string_value(json_object_get(doc, "log_level")), "info");
	assert_string_equal(json_string_value(json_object_get(doc, "timezone")), "");
	assert_string_equal(json_string_value(json_object_get(doc, "telegram_chat_id")), "42");
	assert_true(json_is_true(json_object_get(doc, "outbound_allow_private")));
	/* HA's token is never shown, only whether it is set */
	assert_true(json_is_object(json_object_get(doc, "ha_token")));
	assert_true(json_is_false(json_object_get(json_object_get(doc, "ha_token"), "set")));
	assert_string_equal(json_string_value(json_object_get(doc, "ha_url")),
			    "http://192.168.1.10:8123");
	/* file-only keys never appear */
	assert_null(json_object_get(doc, "homeassistant_url"));
	assert_null(json_object_get(doc, "outbound_allow_loopback"));
	/* The document is itself a valid PATCH. */
	assert_string_equal(problems("{\"log_level\": \"info\", \"telegram_chat_id\": \"42\"}"), "");
	json_decref(doc);
}

static void test_check_ha(void **state)
{
	static struct hearth_config file, before, after;
	const char *bad_key;
	char why[256];
	json_t *patch;

	(void)state;
	config_defaults(&before);
	snprintf(before.ha_url, sizeof(before.ha_url), "http://ha.lan:8123");
	snprintf(before.ha_token, sizeof(before.ha_token), "the-households-token");
	before.ha_verify_tls = true;
	config_defaults(&file);
	snprintf(file.ha_url, sizeof(file.ha_url), "http://file.lan:8123");
	snprintf(file.ha_token, sizeof(file.ha_token), "the-files-token");

	/* Another address without a token of its own: refused. */
	after = before;
	snprintf(after.ha_url, sizeof(after.ha_url), "https://elsewhere.example");
	patch = json_pack("{s:s}", "ha_url", "https://elsewhere.example");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), -1);
	assert_string_equal(bad_key, "ha_url");
	assert_null(strstr(why, "the-households-token"));
	json_decref(patch);

	/* null for the token is the file's token: still refused. */
	patch = json_pack("{s:s, s:n}", "ha_url", "https://elsewhere.example", "ha_token");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), -1);
	json_decref(patch);

	/* With a token of its own: fine. */
	snprintf(after.ha_token, sizeof(after.ha_token), "a-new-token");
	patch = json_pack("{s:s, s:s}", "ha_url", "https://elsewhere.example", "ha_token",
			  "a-new-token");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), 0);
	json_decref(patch);

	/* The same address again, or only the token: fine. */
	after = before;
	patch = json_pack("{s:s}", "ha_url", "http://ha.lan:8123");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), 0);
	json_decref(patch);

	/* TLS verification off without the token: refused. */
	after.ha_verify_tls = false;
	patch = json_pack("{s:b}", "ha_verify_tls", 0);
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), -1);
	assert_string_equal(bad_key, "ha_verify_tls");
	json_decref(patch);

	/* No token at all afterwards: nothing to send anywhere. */
	after = before;
	after.ha_token[0] = '\0';
	snprintf(after.ha_url, sizeof(after.ha_url), "https://elsewhere.example");
	patch = json_pack("{s:s, s:s}", "ha_url", "https://elsewhere.example", "ha_token", "");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why, sizeof(why)), 0);
	json_decref(patch);

	/* Back to hearth.conf's connection: its owner's choice, fine. */
	after = file;
	patch = json_pack("{s:n, s:n}", "ha_url", "ha_token");
	assert_int_equal(settings_check_ha(&file, &before, &after, patch, &bad_key, why,
					   sizeof(why)), 0);
	json_decref(patch);
	explicit_bzero(&before, sizeof(before));
	explicit_bzero(&after, sizeof(after));
}

static void test_config_set(void **state)
{
	static struct hearth_config cfg;
	char why[256];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "log", "level", "debug", why, sizeof(why)), 0);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_int_equal(config_set(&cfg, "outbound", "allow_private", "maybe", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "true or false"));
	assert_int_equal(config_set(&cfg, "nope", "level", "debug", why, sizeof(why)), -1);
	assert_int_equal(config_set(&cfg, "log", "level", NULL, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timezone_names),
		cmocka_unit_test(test_timezone_system),
		cmocka_unit_test(test_check_patch),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_check_ha),
		cmocka_unit_test(test_config_set),
	};

	log_init("test_settings", LOG_ERR);
	return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
