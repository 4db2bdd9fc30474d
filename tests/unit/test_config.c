/*
 * hearth.conf and the INI reader under it: good files, every kind of bad
 * value, typos, the environment, and the INI corner cases.
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
#include <unistd.h>

#include "config.h"
#include "ini.h"
#include "log.h"
#include "url_policy.h"

#define SECRET "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct hearth_config cfg;
static char err[512];

static int load(const char *text)
{
	err[0] = '\0';
	return config_load_text("hearth.conf", text, strlen(text), false, &cfg, err, sizeof(err));
}

static int load_env(const char *text)
{
	err[0] = '\0';
	return config_load_text("hearth.conf", text, strlen(text), true, &cfg, err, sizeof(err));
}

/* Load text and expect failure with a message containing want. */
static void expect_error(const char *text, const char *want)
{
	int rc = load(text);

	if (rc == 0 || !strstr(err, want))
		print_error("config text:\n%s\nmessage: '%s'\nwanted: '%s'\n", text, err, want);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, want));
}

static void test_good_file(void **state)
{
	(void)state;
	const char *text =
		"; Hearth\n"
		"[api]\n"
		"socket = /tmp/hearth/api.sock\n"
		"socket_mode = 0600\n"
		"workers = 3\n"
		"max_requests = 500\n"
		"max_body_bytes = 2048\n"
		"roles_file = /etc/hearth/other-roles.conf\n"
		"static_root = /srv/static\n"
		"drain_seconds = 5\n"
		"\n"
		"[database]\n"
		"host = db.example\n"
		"port = 3307\n"
		"socket =\n"
		"user = alice\n"
		"password = \"p#ss; word\"\n"
		"name = hearth_test\n"
		"connect_timeout = 3\n"
		"timeout = 60\n"
		"[cache]\n"
		"servers = 10.0.0.1:11211, 10.0.0.2:11212,/run/memcached.sock\n"
		"ttl = 120\n"
		"[security]\n"
		"secret_key = " SECRET "\n"
		"[log]\n"
		"level = debug\n";

	assert_int_equal(load(text), 0);
	assert_string_equal(cfg.api_socket, "/tmp/hearth/api.sock");
	assert_int_equal(cfg.api_socket_mode, 0600);
	assert_int_equal(cfg.api_workers, 3);
	assert_int_equal(cfg.api_max_requests, 500);
	assert_int_equal(cfg.api_max_body_bytes, 2048);
	assert_string_equal(cfg.api_roles_file, "/etc/hearth/other-roles.conf");
	assert_string_equal(cfg.api_static_root, "/srv/static");
	assert_int_equal(cfg.api_drain_seconds, 5);
	assert_string_equal(cfg.db_host, "db.example");
	assert_int_equal(cfg.db_port, 3307);
	assert_string_equal(cfg.db_socket, "");
	assert_string_equal(cfg.db_user, "alice");
	assert_string_equal(cfg.db_password, "p#ss; word");
	assert_string_equal(cfg.db_name, "hearth_test");
	assert_int_equal(cfg.db_connect_timeout, 3);
	assert_int_equal(cfg.db_timeout, 60);
	assert_string_equal(cfg.cache_servers, "10.0.0.1:11211, 10.0.0.2:11212,/run/memcached.sock");
	assert_int_equal(cfg.cache_ttl, 120);
	assert_int_equal(cfg.secret_len, 32);
	assert_int_equal(cfg.secret[0], 0x01);
	assert_int_equal(cfg.secret[31], 0xef);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("[security]\nsecret_key = " SECRET "\n"), 0);
	assert_string_equal(cfg.api_socket, "/run/hearth/api.sock");
	assert_int_equal(cfg.api_socket_mode, 0660);
	assert_true(cfg.api_workers >= 1); /* 0 = one per core, resolved */
	assert_int_equal(cfg.api_max_requests, 10000);
	assert_int_equal(cfg.api_max_body_bytes, 1048576);
	assert_string_equal(cfg.api_roles_file, "/etc/hearth/roles.conf");
	assert_string_equal(cfg.api_static_root, "/usr/share/hearth/static");
	assert_int_equal(cfg.api_drain_seconds, 10);
	assert_int_equal(cfg.db_port, 3306);
	assert_string_equal(cfg.db_socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(cfg.db_user, "hearth");
	assert_string_equal(cfg.db_password, "");
	assert_string_equal(cfg.db_name, "hearth");
	assert_int_equal(cfg.db_connect_timeout, 1);
	assert_int_equal(cfg.db_timeout, 2);
	assert_string_equal(cfg.cache_servers, "127.0.0.1:11211");
	assert_int_equal(cfg.cache_ttl, 60);
	assert_int_equal(cfg.log_level, LOG_INFO);

	/* config_defaults alone gives the same values, workers resolved. */
	config_defaults(&cfg);
	assert_int_equal(cfg.api_max_requests, 10000);
	assert_true(cfg.api_workers >= 1);
	assert_int_equal(cfg.secret_len, 0);

	/* workers = 0 means one per core. */
	assert_int_equal(load("[api]\nworkers = 0\n[security]\nsecret_key = " SECRET "\n"), 0);
	assert_true(cfg.api_workers >= 1);
}

#define WITH_SECRET(s) s "[security]\nsecret_key = " SECRET "\n"

static void test_bad_numbers(void **state)
{
	(void)state;
	expect_error(WITH_SECRET("[api]\n\n\nworkers = many\n"),
		     "hearth.conf line 4: api.workers: 'many' is not a number between 0 and 256");
	expect_error(WITH_SECRET("[api]\nworkers = 257\n"), "api.workers: '257' is not a number");
	expect_error(WITH_SECRET("[api]\nworkers = -1\n"), "api.workers: '-1' is not a number");
	expect_error(WITH_SECRET("[api]\nworkers = +4\n"), "api.workers: '+4'");
	expect_error(WITH_SECRET("[api]\nworkers = 4x\n"), "api.workers: '4x'");
	expect_error(WITH_SECRET("[api]\nworkers = 0x10\n"), "api.workers: '0x10'");
	expect_error(WITH_SECRET("[api]\nworkers =\n"), "api.workers: '' is not a number");
	expect_error(WITH_SECRET("[api]\nworkers = 99999999999999999999999\n"), "api.workers");
	expect_error(WITH_SECRET("[api]\nmax_requests = 0\n"),
		     "api.max_requests: '0' is not a number between 1 and 1000000000");
	expect_error(WITH_SECRET("[api]\nmax_requests = 1000000001\n"), "api.max_requests");
	expect_error(WITH_SECRET("[api]\nmax_body_bytes = 1023\n"),
		     "api.max_body_bytes: '1023' is not a number of bytes between 1024 and 67108864");
	expect_error(WITH_SECRET("[api]\nmax_body_bytes = 67108865\n"), "api.max_body_bytes");
	expect_error(WITH_SECRET("[api]\ndrain_seconds = soon\n"), "api.drain_seconds");
	expect_error(WITH_SECRET("[database]\nport = 0\n"), "database.port: '0'");
	expect_error(WITH_SECRET("[database]\nport = 65536\n"), "database.port: '65536'");
	expect_error(WITH_SECRET("[database]\ntimeout = 0\n"),
		     "database.timeout: '0' is not a number between 1 and 60");
	expect_error(WITH_SECRET("[database]\ntimeout = 61\n"), "database.timeout");
	expect_error(WITH_SECRET("[database]\nconnect_timeout = 61\n"), "database.connect_timeout");
	expect_error(WITH_SECRET("[cache]\nttl = 0\n"), "cache.ttl: '0'");
}

static void test_bad_other_values(void **state)
{
	(void)state;
	expect_error(WITH_SECRET("[api]\nsocket_mode = 0999\n"),
		     "api.socket_mode: '0999' is not an octal file mode such as 0660");
	expect_error(WITH_SECRET("[api]\nsocket_mode = rw\n"), "api.socket_mode: 'rw'");
	expect_error(WITH_SECRET("[api]\nsocket_mode = 01777\n"), "api.socket_mode");
	expect_error(WITH_SECRET("[api]\nsocket_mode = -660\n"), "api.socket_mode");
	expect_error(WITH_SECRET("[api]\nsocket =\n"), "api.socket: must not be empty");
	expect_error(WITH_SECRET("[api]\nsocket = /tmp/"
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n"),
		     "api.socket: is too long for a unix socket path");
	expect_error(WITH_SECRET("[database]\nuser =\n"), "database.user: must not be empty");
	expect_error(WITH_SECRET("[database]\nsocket =\nhost =\n"),
		     "database.socket and database.host are both empty");
	expect_error(WITH_SECRET("[cache]\nservers = localhost\n"), "cache.servers: 'localhost'");
	expect_error(WITH_SECRET("[cache]\nservers = a:1,,b:2\n"), "empty");
	expect_error(WITH_SECRET("[cache]\nservers = a:1,\n"), "empty");
	expect_error(WITH_SECRET("[cache]\nservers = a:0\n"), "cache.servers");
	expect_error(WITH_SECRET("[cache]\nservers = ::1:11211\n"), "cache.servers");
	expect_error(WITH_SECRET("[log]\nlevel = loud\n"),
		     "log.level: 'loud' is not one of error, warning, notice, info, debug");

	/* Good variants of the same keys. */
	assert_int_equal(load(WITH_SECRET("[cache]\nservers =\n")), 0);
	assert_string_equal(cfg.cache_servers, "");
	assert_int_equal(load(WITH_SECRET("[cache]\nservers = [::1]:11211\n")), 0);
	assert_int_equal(load(WITH_SECRET("[api]\nsocket_mode = 660\n")), 0);
	assert_int_equal(cfg.api_socket_mode, 0660);
	assert_int_equal(load(WITH_SECRET("[log]\nlevel = warning\n")), 0);
	assert_int_equal(cfg.log_level, LOG_WARNING);
}

static void test_secret(void **state)
{
	(void)state;
	/* Missing: the message says how to make one. */
	expect_error("[api]\nworkers = 2\n", "openssl rand -hex 32");
	expect_error("", "security.secret_key is not set");
	expect_error("[security]\nsecret_key =\n", "security.secret_key is not set");
	expect_error("[security]\nsecret_key = abcdef\n",
		     "security.secret_key: must be 64 to 128 hex digits");
	expect_error("[security]\nsecret_key = " SECRET "0\n", "an even count");
	expect_error("[security]\nsecret_key = "
		     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
		     "hex digits only");
	expect_error("[security]\nsecret_key = " SECRET SECRET "00\n", "64 to 128");

	/* The value itself never appears in a message. */
	expect_error("[security]\nsecret_key = notsecretatallnotsecretatallnotsecretatallnotsecretatall"
		     "zzzzzzzz\n", "security.secret_key");
	assert_null(strstr(err, "notsecretatall"));

	assert_int_equal(load("[security]\nsecret_key = " SECRET SECRET "\n"), 0);
	assert_int_equal(cfg.secret_len, 64);
	assert_int_equal(load("[security]\nsecret_key = "
			      "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0);
	assert_int_equal(cfg.secret[7], 0xef);
}

static void test_typos(void **state)
{
	(void)state;
	expect_error(WITH_SECRET("[api]\nworker = 2\n"),
		     "hearth.conf line 2: unknown key api.worker (known in [api]: socket,");
	expect_error(WITH_SECRET("[apii]\nworkers = 2\n"), "line 2: unknown section [apii]");
	expect_error("workers = 2\n" WITH_SECRET(""), "line 1: 'workers' is outside any [section]");
	expect_error(WITH_SECRET("[api]\nworkers = 2\nworkers = 3\n"),
		     "line 3: api.workers is already set on line 2");
	expect_error(WITH_SECRET("[api]\nworkers 2\n"),
		     "line 2: expected 'key = value' or '[section]'");
	expect_error(WITH_SECRET("[api\n"), "line 1: a section line must look like [name]");
}

static void test_env(void **state)
{
	(void)state;
	const char *text = WITH_SECRET("[api]\nworkers = 2\n");

	setenv("HEARTH_API_WORKERS", "7", 1);
	setenv("HEARTH_DATABASE_SOCKET", "/tmp/other.sock", 1);
	setenv("HEARTH_API_MAX_REQUESTS", "42", 1);
	setenv("HEARTH_CACHE_SERVERS", "", 1);
	assert_int_equal(load_env(text), 0);
	assert_int_equal(cfg.api_workers, 7);
	assert_string_equal(cfg.db_socket, "/tmp/other.sock");
	assert_int_equal(cfg.api_max_requests, 42);
	assert_string_equal(cfg.cache_servers, "");

	/* env = false leaves the environment alone. */
	assert_int_equal(load(text), 0);
	assert_int_equal(cfg.api_workers, 2);
	assert_int_equal(cfg.api_max_requests, 10000);

	/* A bad value names the variable. */
	setenv("HEARTH_API_WORKERS", "many", 1);
	assert_int_equal(load_env(text), -1);
	assert_non_null(strstr(err, "HEARTH_API_WORKERS"));
	assert_non_null(strstr(err, "'many' is not a number between 0 and 256"));
	unsetenv("HEARTH_API_WORKERS");
	unsetenv("HEARTH_DATABASE_SOCKET");
	unsetenv("HEARTH_API_MAX_REQUESTS");
	unsetenv("HEARTH_CACHE_SERVERS");

	/* The secret can come from the environment alone. */
	setenv("HEARTH_SECURITY_SECRET_KEY", SECRET, 1);
	assert_int_equal(load_env("[api]\nworkers = 2\n"), 0);
	assert_int_equal(cfg.secret_len, 32);
	setenv("HEARTH_SECURITY_SECRET_KEY", "short", 1);
	assert_int_equal(load_env("[api]\nworkers = 2\n"), -1);
	assert_non_null(strstr(err, "HEARTH_SECURITY_SECRET_KEY"));
	assert_null(strstr(err, "short"));
	unsetenv("HEARTH_SECURITY_SECRET_KEY");

	setenv("HEARTH_LOG_LEVEL", "error", 1);
	assert_int_equal(load_env(text), 0);
	assert_int_equal(cfg.log_level, LOG_ERR);
	unsetenv("HEARTH_LOG_LEVEL");
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/hearth-test-config-XXXXXX";
	const char *text = WITH_SECRET("[api]\nworkers = 5\n");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.api_workers, 5);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[api]\nworkers = x\n", 18), 18);
	close(fd);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2: api.workers: 'x'"));
	unlink(path);

	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_non_null(strstr(err, path));
	assert_int_equal(config_load("/tmp", &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_config_path(void **state)
{
	(void)state;
	unsetenv("HEARTH_CONFIG");
	assert_string_equal(config_path("/x.conf"), "/x.conf");
	assert_string_equal(config_path(NULL), "/etc/hearth/hearth.conf");
	setenv("HEARTH_CONFIG", "/y.conf", 1);
	assert_string_equal(config_path(NULL), "/y.conf");
	assert_string_equal(config_path(""), "/y.conf");
	assert_string_equal(config_path("/x.conf"), "/x.conf");
	unsetenv("HEARTH_CONFIG");
}

/* ------------------------------------------------ outbound and delivery */

#define BOT_TOKEN "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_-"

static void test_delivery_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(WITH_SECRET("")), 0);
	assert_false(cfg.outbound_allow_loopback);
	assert_true(cfg.outbound_allow_private);
	assert_string_equal(cfg.outbound_allow_cidrs, "");
	assert_string_equal(cfg.outbound_deny_cidrs, "");
	assert_int_equal(cfg.outbound_connect_timeout_ms, 5000);
	assert_int_equal(cfg.outbound_timeout_ms, 10000);
	assert_string_equal(cfg.ha_url, "");
	assert_string_equal(cfg.ha_token, "");
	assert_true(cfg.ha_verify_tls);
	assert_int_equal(cfg.ha_timeout_ms, 10000);
	assert_string_equal(cfg.ha_tts_service, "tts.speak");
	assert_string_equal(cfg.ha_tts_entity, "");
	assert_string_equal(cfg.ha_media_player, "");
	assert_string_equal(cfg.telegram_bot_token, "");
	assert_string_equal(cfg.telegram_api_base, "https://api.telegram.org");
	assert_string_equal(cfg.telegram_chat_id, "");
	assert_string_equal(cfg.telegram_chat_id_emergency, "");
	assert_string_equal(cfg.telegram_chat_id_warning, "");
	assert_string_equal(cfg.telegram_chat_id_info, "");
	assert_string_equal(cfg.telegram_chat_id_reminder, "");
	assert_int_equal(cfg.telegram_timeout_ms, 10000);
	assert_string_equal(cfg.stream_publish_url, "http://localhost/pub");
	assert_string_equal(cfg.stream_publish_socket, "/run/hearth-publish/nchan.sock");
	assert_int_equal(cfg.stream_publish_timeout_ms, 500);
	assert_int_equal(cfg.delivery_max_attempts, 3);
	assert_int_equal(cfg.delivery_backoff_base_ms, 1000);
	assert_int_equal(cfg.delivery_backoff_cap_ms, 30000);
	assert_int_equal(cfg.delivery_lease_seconds, 60);

	config_defaults(&cfg);
	assert_true(cfg.ha_verify_tls);
	assert_int_equal(cfg.delivery_max_attempts, 3);
	assert_string_equal(cfg.stream_publish_url, "http://localhost/pub");
}

static void test_delivery_good_file(void **state)
{
	(void)state;
	struct url_policy p;
	const char *text = WITH_SECRET(
		"[outbound]\n"
		"allow_loopback = yes\n"
		"allow_private = off\n"
		"allow_cidrs = 192.168.1.0/24, fd00::/8\n"
		"deny_cidrs = 192.168.1.13 10.0.0.0/8\n"
		"connect_timeout_seconds = 2\n"
		"timeout_seconds = 20\n"
		"[homeassistant]\n"
		"url = https://ha.example:8123/\n"
		"token = eyJhbGciOiJIUzI1NiJ9.e30.sig-_\n"
		"verify_tls = false\n"
		"timeout_seconds = 7\n"
		"tts_service = tts.google_translate_say\n"
		"tts_entity = tts.piper\n"
		"media_player = media_player.kitchen_2\n"
		"[telegram]\n"
		"bot_token = " BOT_TOKEN "\n"
		"api_base = http://127.0.0.1:9999\n"
		"chat_id = 12345\n"
		"chat_id_emergency = -1001234567890\n"
		"chat_id_warning = @hearth_alerts\n"
		"chat_id_info =\n"
		"chat_id_reminder = 777\n"
		"timeout_seconds = 3\n"
		"[stream]\n"
		"publish_url =\n"
		"publish_timeout_ms = 250\n"
		"[delivery]\n"
		"max_attempts = 5\n"
		"backoff_base_ms = 200\n"
		"backoff_cap_ms = 5000\n"
		"lease_seconds = 30\n");

	assert_int_equal(load(text), 0);
	assert_true(cfg.outbound_allow_loopback);
	assert_false(cfg.outbound_allow_private);
	assert_string_equal(cfg.outbound_allow_cidrs, "192.168.1.0/24, fd00::/8");
	assert_string_equal(cfg.outbound_deny_cidrs, "192.168.1.13 10.0.0.0/8");
	assert_int_equal(cfg.outbound_connect_timeout_ms, 2000);
	assert_int_equal(cfg.outbound_timeout_ms, 20000);
	assert_string_equal(cfg.ha_url, "https://ha.example:8123/");
	assert_string_equal(cfg.ha_token, "eyJhbGciOiJIUzI1NiJ9.e30.sig-_");
	assert_false(cfg.ha_verify_tls);
	assert_int_equal(cfg.ha_timeout_ms, 7000);
	assert_string_equal(cfg.ha_tts_service, "tts.google_translate_say");
	assert_string_equal(cfg.ha_tts_entity, "tts.piper");
	assert_string_equal(cfg.ha_media_player, "media_player.kitchen_2");
	assert_string_equal(cfg.telegram_bot_token, BOT_TOKEN);
	assert_string_equal(cfg.telegram_api_base, "http://127.0.0.1:9999");
	assert_string_equal(cfg.telegram_chat_id, "12345");
	assert_string_equal(cfg.telegram_chat_id_emergency, "-1001234567890");
	assert_string_equal(cfg.telegram_chat_id_warning, "@hearth_alerts");
	assert_string_equal(cfg.telegram_chat_id_info, "");
	assert_string_equal(cfg.telegram_chat_id_reminder, "777");
	assert_int_equal(cfg.telegram_timeout_ms, 3000);
	assert_string_equal(cfg.stream_publish_url, "");
	assert_int_equal(cfg.stream_publish_timeout_ms, 250);
	assert_int_equal(cfg.delivery_max_attempts, 5);
	assert_int_equal(cfg.delivery_backoff_base_ms, 200);
	assert_int_equal(cfg.delivery_backoff_cap_ms, 5000);
	assert_int_equal(cfg.delivery_lease_seconds, 30);

	/* The policy the section makes. */
	assert_int_equal(config_url_policy(&cfg, &p, err, sizeof(err)), 0);
	assert_true(p.allow_loopback);
	assert_false(p.allow_private);
	assert_int_equal(p.n_allow, 2);
	assert_int_equal(p.n_deny, 2);
	assert_int_equal(p.deny[0].prefix, 32);
	assert_int_equal(url_policy_check_url(&p, "http://192.168.1.20/", err, sizeof(err)), 0);
	assert_int_equal(url_policy_check_url(&p, "http://192.168.1.13/", err, sizeof(err)), -1);
	assert_int_equal(url_policy_check_url(&p, "http://192.168.2.1/", err, sizeof(err)), -1);

	/* Booleans in every spelling. */
	assert_int_equal(load(WITH_SECRET("[homeassistant]\nverify_tls = FALSE\n")), 0);
	assert_false(cfg.ha_verify_tls);
	assert_int_equal(load(WITH_SECRET("[homeassistant]\nverify_tls = 0\n")), 0);
	assert_false(cfg.ha_verify_tls);
	assert_int_equal(load(WITH_SECRET("[outbound]\nallow_loopback = On\n")), 0);
	assert_true(cfg.outbound_allow_loopback);
	assert_int_equal(load(WITH_SECRET("[outbound]\nallow_loopback = 1\n")), 0);
	assert_true(cfg.outbound_allow_loopback);
}

static void test_delivery_bad_values(void **state)
{
	(void)state;
	expect_error(WITH_SECRET("[outbound]\nallow_loopback = maybe\n"),
		     "outbound.allow_loopback: 'maybe' is not true or false");
	expect_error(WITH_SECRET("[outbound]\nallow_private =\n"), "outbound.allow_private: ''");
	expect_error(WITH_SECRET("[outbound]\n\nallow_cidrs = 10.0.0.0/8, nonsense\n"),
		     "line 3: outbound.allow_cidrs: 'nonsense' is not an address or a CIDR");
	expect_error(WITH_SECRET("[outbound]\ndeny_cidrs = 10.0.0.1/8\n"),
		     "outbound.deny_cidrs: '10.0.0.1/8' has bits set past its /8 prefix");
	expect_error(WITH_SECRET("[outbound]\ndeny_cidrs = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 "
				 "1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 1.1.1.10 1.1.1.11 1.1.1.12 "
				 "1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17\n"),
		     "outbound.deny_cidrs: more than 16 entries");
	expect_error(WITH_SECRET("[outbound]\nconnect_timeout_seconds = 0\n"),
		     "outbound.connect_timeout_seconds: '0' is not a number of seconds between 1 "
		     "and 300");
	expect_error(WITH_SECRET("[outbound]\ntimeout_seconds = 1.5\n"), "outbound.timeout_seconds");
	expect_error(WITH_SECRET("[outbound]\ntimeout_seconds = 3601\n"),
		     "outbound.timeout_seconds");

	expect_error(WITH_SECRET("[homeassistant]\nurl = ftp://ha.example/\n"),
		     "homeassistant.url: 'ftp://ha.example/': only http and https URLs are allowed");
	expect_error(WITH_SECRET("[homeassistant]\nurl = ha.example:8123\n"),
		     "homeassistant.url");
	expect_error(WITH_SECRET("[homeassistant]\nurl = http://admin:pw@ha.example/\n"),
		     "must not contain a user name or password");
	expect_error(WITH_SECRET("[homeassistant]\ntoken = two words\n"),
		     "homeassistant.token: must be printable characters without spaces");
	assert_null(strstr(err, "two words"));
	expect_error(WITH_SECRET("[homeassistant]\ntimeout_seconds = 301\n"),
		     "homeassistant.timeout_seconds");
	expect_error(WITH_SECRET("[homeassistant]\ntts_service = speak\n"),
		     "homeassistant.tts_service: 'speak' is not a Home Assistant name");
	expect_error(WITH_SECRET("[homeassistant]\ntts_service =\n"),
		     "homeassistant.tts_service: must not be empty");
	expect_error(WITH_SECRET("[homeassistant]\nmedia_player = media_player.Kitchen\n"),
		     "homeassistant.media_player: 'media_player.Kitchen'");
	expect_error(WITH_SECRET("[homeassistant]\ntts_entity = tts.piper.x\n"),
		     "homeassistant.tts_entity");
	expect_error(WITH_SECRET("[homeassistant]\nverify_tls = sometimes\n"),
		     "homeassistant.verify_tls");

	expect_error(WITH_SECRET("[telegram]\nbot_token = 12345/../x\n"),
		     "telegram.bot_token: does not look like a bot token");
	assert_null(strstr(err, "12345"));
	expect_error(WITH_SECRET("[telegram]\nbot_token = :abc\n"), "telegram.bot_token");
	expect_error(WITH_SECRET("[telegram]\nbot_token = 123:\n"), "telegram.bot_token");
	expect_error(WITH_SECRET("[telegram]\napi_base =\n"), "telegram.api_base: must not be empty");
	expect_error(WITH_SECRET("[telegram]\napi_base = gopher://t.example\n"),
		     "telegram.api_base");
	expect_error(WITH_SECRET("[telegram]\nchat_id = me\n"),
		     "telegram.chat_id: 'me' is not a Telegram chat id");
	expect_error(WITH_SECRET("[telegram]\nchat_id_warning = @abc\n"), "telegram.chat_id_warning");
	expect_error(WITH_SECRET("[telegram]\nchat_id_info = --5\n"), "telegram.chat_id_info");
	expect_error(WITH_SECRET("[telegram]\nchat_id_emergency = 12 34\n"),
		     "telegram.chat_id_emergency");
	expect_error(WITH_SECRET("[telegram]\ntimeout_seconds = 0\n"), "telegram.timeout_seconds");

	expect_error(WITH_SECRET("[stream]\npublish_url = unix:/run/x.sock\n"), "stream.publish_url");
	expect_error(WITH_SECRET("[stream]\npublish_socket = run/x.sock\n"), "stream.publish_socket");
	expect_error(WITH_SECRET("[stream]\npublish_socket = /run/"
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock\n"),
		     "stream.publish_socket");
	expect_error(WITH_SECRET("[stream]\npublish_timeout_ms = 5\n"),
		     "stream.publish_timeout_ms: '5' is not a number of milliseconds between 10 "
		     "and 60000");

	expect_error(WITH_SECRET("[delivery]\nmax_attempts = 0\n"), "delivery.max_attempts: '0'");
	expect_error(WITH_SECRET("[delivery]\nmax_attempts = 101\n"), "delivery.max_attempts");
	expect_error(WITH_SECRET("[delivery]\nbackoff_base_ms = 0\n"), "delivery.backoff_base_ms");
	expect_error(WITH_SECRET("[delivery]\nbackoff_cap_ms = 86400001\n"),
		     "delivery.backoff_cap_ms");
	expect_error(WITH_SECRET("[delivery]\nlease_seconds = 4\n"), "delivery.lease_seconds");
	expect_error(WITH_SECRET("[delivery]\nbackoff_base_ms = 5000\nbackoff_cap_ms = 4000\n"),
		     "delivery.backoff_cap_ms (4000) is smaller than delivery.backoff_base_ms (5000)");
	expect_error(WITH_SECRET("[delivery]\nlease_seconds = 10\n"),
		     "delivery.lease_seconds (10) must be longer than the longest outbound "
		     "timeout (10 s)");
	expect_error(WITH_SECRET("[delivery]\nlease_seconds = 30\n[telegram]\ntimeout_seconds = 30\n"),
		     "(30 s)");

	/* Unknown keys and sections name the new ones. */
	expect_error(WITH_SECRET("[telegram]\nchat = 1\n"),
		     "unknown key telegram.chat (known in [telegram]: bot_token, api_base, chat_id,");
	expect_error(WITH_SECRET("[home_assistant]\nurl = http://x/\n"),
		     "unknown section [home_assistant] (known: api, database, cache, security, log, "
		     "engine, auth, outbound, homeassistant, llm, ai, telegram, stream, delivery, media, "
		     "logs)");
}

/* Home Assistant and Telegram URLs meet the [outbound] policy at load. */
static void test_delivery_policy_at_load(void **state)
{
	(void)state;
	/* Never allowed: refused on its line. */
	expect_error(WITH_SECRET("[homeassistant]\nurl = http://169.254.169.254/\n"),
		     "line 2: homeassistant.url: 'http://169.254.169.254/': the address "
		     "169.254.169.254 is a cloud metadata address");
	/* Allowed or not by the policy: refused once the policy is known. */
	expect_error(WITH_SECRET("[homeassistant]\nurl = http://127.0.0.1:8123\n"),
		     "homeassistant.url is refused by the [outbound] policy: the address 127.0.0.1 "
		     "is loopback");
	expect_error(WITH_SECRET("[homeassistant]\nurl = http://localhost:8123\n"),
		     "the host localhost is loopback");
	expect_error(WITH_SECRET("[telegram]\napi_base = http://[::1]:9000\n"),
		     "telegram.api_base is refused by the [outbound] policy");
	expect_error(WITH_SECRET("[outbound]\nallow_private = false\n"
				 "[homeassistant]\nurl = http://192.168.1.5:8123\n"),
		     "is private");
	expect_error(WITH_SECRET("[outbound]\ndeny_cidrs = 192.168.1.0/24\n"
				 "[homeassistant]\nurl = http://192.168.1.5:8123\n"),
		     "deny_cidrs");
	/* allow_loopback (or a list entry) lets a local server through; the
	 * publisher URL is loopback by design and not judged. */
	assert_int_equal(load(WITH_SECRET("[outbound]\nallow_loopback = true\n"
					  "[homeassistant]\nurl = http://127.0.0.1:8123\n")), 0);
	assert_int_equal(load(WITH_SECRET("[outbound]\nallow_cidrs = 127.0.0.1\n"
					  "[telegram]\napi_base = http://127.0.0.1:9000\n")), 0);
	assert_int_equal(load(WITH_SECRET("[homeassistant]\nurl = http://homeassistant.local:8123\n"
					  "[stream]\npublish_url = http://127.0.0.1:1/pub\n")), 0);
	assert_int_equal(load(WITH_SECRET("[homeassistant]\nurl = http://192.168.1.5:8123\n")), 0);
}

static void test_delivery_env(void **state)
{
	(void)state;
	const char *text = WITH_SECRET("[telegram]\nchat_id = 1\n");

	setenv("HEARTH_OUTBOUND_ALLOW_LOOPBACK", "true", 1);
	setenv("HEARTH_OUTBOUND_DENY_CIDRS", "10.0.0.0/8", 1);
	setenv("HEARTH_HOMEASSISTANT_URL", "http://127.0.0.1:8123", 1);
	setenv("HEARTH_HOMEASSISTANT_TOKEN", "abc.def", 1);
	setenv("HEARTH_TELEGRAM_BOT_TOKEN", BOT_TOKEN, 1);
	setenv("HEARTH_TELEGRAM_CHAT_ID", "42", 1);
	setenv("HEARTH_STREAM_PUBLISH_URL", "", 1);
	setenv("HEARTH_DELIVERY_MAX_ATTEMPTS", "7", 1);
	setenv("HEARTH_OUTBOUND_TIMEOUT_SECONDS", "15", 1);
	assert_int_equal(load_env(text), 0);
	assert_true(cfg.outbound_allow_loopback);
	assert_string_equal(cfg.outbound_deny_cidrs, "10.0.0.0/8");
	assert_string_equal(cfg.ha_url, "http://127.0.0.1:8123");
	assert_string_equal(cfg.ha_token, "abc.def");
	assert_string_equal(cfg.telegram_bot_token, BOT_TOKEN);
	assert_string_equal(cfg.telegram_chat_id, "42");
	assert_string_equal(cfg.stream_publish_url, "");
	assert_int_equal(cfg.delivery_max_attempts, 7);
	assert_int_equal(cfg.outbound_timeout_ms, 15000);

	/* The environment's policy judges the environment's URL. */
	setenv("HEARTH_OUTBOUND_ALLOW_LOOPBACK", "false", 1);
	assert_int_equal(load_env(text), -1);
	assert_non_null(strstr(err, "homeassistant.url is refused"));
	unsetenv("HEARTH_OUTBOUND_ALLOW_LOOPBACK");
	unsetenv("HEARTH_HOMEASSISTANT_URL");

	/* A bad secret names the variable, never the value. */
	setenv("HEARTH_TELEGRAM_BOT_TOKEN", "123456:has space", 1);
	assert_int_equal(load_env(text), -1);
	assert_non_null(strstr(err, "HEARTH_TELEGRAM_BOT_TOKEN"));
	assert_null(strstr(err, "has space"));
	setenv("HEARTH_HOMEASSISTANT_TOKEN", "line\nbreak", 1);
	unsetenv("HEARTH_TELEGRAM_BOT_TOKEN");
	assert_int_equal(load_env(text), -1);
	assert_non_null(strstr(err, "HEARTH_HOMEASSISTANT_TOKEN"));
	assert_null(strstr(err, "break"));

	unsetenv("HEARTH_OUTBOUND_DENY_CIDRS");
	unsetenv("HEARTH_HOMEASSISTANT_TOKEN");
	unsetenv("HEARTH_TELEGRAM_CHAT_ID");
	unsetenv("HEARTH_STREAM_PUBLISH_URL");
	unsetenv("HEARTH_DELIVERY_MAX_ATTEMPTS");
	unsetenv("HEARTH_OUTBOUND_TIMEOUT_SECONDS");
	assert_int_equal(load_env(text), 0);
	assert_string_equal(cfg.stream_publish_url, "http://localhost/pub");
}

/* [media] and [logs]: defaults, values and limits. */
static void test_media(void **state)
{
	(void)state;
	assert_int_equal(load(WITH_SECRET("")), 0);
	assert_string_equal(cfg.media_root, "/var/lib/hearth/media");
	assert_string_equal(cfg.media_incoming_root, "/var/lib/hearth/incoming");
	assert_int_equal(cfg.media_quota_mb, 0);
	assert_int_equal(cfg.media_ffmpeg_timeout_ms, 20000);
	assert_int_equal(cfg.media_upload_max_mb, 2048);
	assert_string_equal(cfg.logs_dir, "/var/log/hearth");

	assert_int_equal(load(WITH_SECRET("[media]\nroot = /srv/media\nquota_mb = 512\n"
					  "ffmpeg_timeout_seconds = 5\n[logs]\ndir = /tmp/l\n")), 0);
	assert_string_equal(cfg.media_root, "/srv/media");
	assert_int_equal(cfg.media_quota_mb, 512);
	assert_int_equal(cfg.media_ffmpeg_timeout_ms, 5000);
	assert_string_equal(cfg.logs_dir, "/tmp/l");

	expect_error(WITH_SECRET("[media]\nroot =\n"), "media.root");
	expect_error(WITH_SECRET("[media]\nupload_max_mb = 0\n"), "media.upload_max_mb");
	expect_error(WITH_SECRET("[media]\nffmpeg_timeout_seconds = 0\n"),
		     "media.ffmpeg_timeout_seconds");
}

/* ---------------------------------------------------------------- ini */

struct seen {
	char text[1024];
	int calls;
	int stop_at;
};

static int record(const char *section, const char *key, const char *value, int lineno,
		  void *user, char *e, size_t elen)
{
	struct seen *s = user;
	size_t n = strlen(s->text);

	s->calls++;
	if (s->stop_at && s->calls == s->stop_at) {
		snprintf(e, elen, "line %d: stopped at %s", lineno, key);
		return -1;
	}
	snprintf(s->text + n, sizeof(s->text) - n, "%d|%s|%s|%s\n", lineno, section, key, value);
	return 0;
}

static int parse(const char *text, size_t len, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	return ini_parse(text, len, record, s, err, sizeof(err));
}

static void test_ini_basics(void **state)
{
	(void)state;
	struct seen s;
	const char *text =
		"\xef\xbb\xbf"          /* byte order mark */
		"top = level\r\n"
		"  # comment\n"
		"; comment\n"
		"\n"
		"[ one ]\n"
		"  a   =   spaced out  \n"
		"b=\"quoted  \"\n"
		"c = \"\n"
		"d = x = y\n"
		"e = has # and ; inside\n"
		"f =\n"
		"[two]\r\n"
		"g = \"\"\n"
		"last = no newline";

	assert_int_equal(parse(text, strlen(text), &s), 0);
	assert_string_equal(s.text,
			    "1||top|level\n"
			    "6|one|a|spaced out\n"
			    "7|one|b|quoted  \n"
			    "8|one|c|\"\n"
			    "9|one|d|x = y\n"
			    "10|one|e|has # and ; inside\n"
			    "11|one|f|\n"
			    "13|two|g|\n"
			    "14|two|last|no newline\n");

	/* Empty input, and text that is not NUL-terminated. */
	assert_int_equal(parse("", 0, &s), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(parse("a = 1\nb = 2", 5, &s), 0);
	assert_string_equal(s.text, "1||a|1\n");
}

static void test_ini_errors(void **state)
{
	(void)state;
	struct seen s;
	char big[5000];

	assert_int_equal(parse("[a]\nnot a setting\n", 18, &s), -1);
	assert_string_equal(err, "line 2: expected 'key = value' or '[section]'");
	assert_int_equal(parse("= value\n", 8, &s), -1);
	assert_string_equal(err, "line 1: a setting needs a key before '='");
	assert_int_equal(parse("[]\n", 3, &s), -1);
	assert_non_null(strstr(err, "line 1: a section line"));
	assert_int_equal(parse("[a]]\n", 5, &s), -1);
	assert_int_equal(parse("[a] x\n", 6, &s), -1);
	assert_int_equal(parse("a = 1\0b = 2\n", 12, &s), -1);
	assert_string_equal(err, "line 1: contains a NUL byte");

	memset(big, 'x', sizeof(big));
	memcpy(big, "k = ", 4);
	assert_int_equal(parse(big, 4096, &s), -1);
	assert_string_equal(err, "line 1: longer than 4095 bytes");
	assert_int_equal(parse(big, 4095, &s), 0);

	/* The callback stops the parse with its own message. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	err[0] = '\0';
	assert_int_equal(ini_parse("a = 1\nb = 2\nc = 3\n", 18, record, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: stopped at b");
	assert_int_equal(s.calls, 2);
}

static void test_ini_file(void **state)
{
	(void)state;
	struct seen s;
	char path[] = "/tmp/hearth-test-ini-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[s]\nk = v\nbroken\n", 17), 17);
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(ini_parse_file(path, record, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 3: expected"));
	assert_string_equal(s.text, "2|s|k|v\n");
	unlink(path);
	assert_int_equal(ini_parse_file(path, record, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
}

extern char **environ;

/* Keep HEARTH_* variables of the caller's shell out of the results. */
static void clear_hearth_env(void)
{
	char name[256];

	for (size_t i = 0; environ[i];) {
		const char *eq = strchr(environ[i], '=');
		size_t n = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);

		if (strncmp(environ[i], "HEARTH_", 7) == 0 && n < sizeof(name)) {
			memcpy(name, environ[i], n);
			name[n] = '\0';
			unsetenv(name);
			i = 0; /* environ changed under us */
			continue;
		}
		i++;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_other_values),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_delivery_defaults),
		cmocka_unit_test(test_delivery_good_file),
		cmocka_unit_test(test_delivery_bad_values),
		cmocka_unit_test(test_delivery_policy_at_load),
		cmocka_unit_test(test_delivery_env),
		cmocka_unit_test(test_media),
		cmocka_unit_test(test_ini_basics),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_ini_file),
	};

	clear_hearth_env();
	log_init("test_config", LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
