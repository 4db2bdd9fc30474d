/*
 * hearthctl: the administrator's command.  Each command parses its
 * arguments, opens the configuration and the database, and calls into
 * libhearth; no SQL and no policy live here.
 *
 * Exit codes (sysexits.h): 0 ok, 64 usage, 65 bad data, 69 database (or HA)
 * unavailable, 75 a revoked key whose cache entry could not be cleared,
 * 78 bad configuration; 70/71 for the unexpected.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "db_config.h"
#include "log.h"
#include "migrations.h"
#include "principal.h"
#include "roles.h"
#include "store/key_bindings.h"
#include "store/store.h"
#include "validate.h"

#include "ctl.h"

#define NAME_MAX_CHARS 256

static int cmd_migrate(struct ctl *c, const struct command *cmd, int argc, char **argv);
static int cmd_status(struct ctl *c, const struct command *cmd, int argc, char **argv);
static int cmd_key_create(struct ctl *c, const struct command *cmd, int argc, char **argv);
static int cmd_key_list(struct ctl *c, const struct command *cmd, int argc, char **argv);
static int cmd_key_revoke(struct ctl *c, const struct command *cmd, int argc, char **argv);

static const struct command commands[] = {
	{"migrate",    "",                        cmd_migrate,
	 "apply pending database migrations"},
	{"status",     "",                        cmd_status,
	 "check the database, the schema version and the cache"},
	{"key create", "--name NAME --role ROLE [--sensor ID]... [--camera ID]...", cmd_key_create,
	 "create an API key; the key is printed once, alone on stdout; --sensor\n"
	 "binds a device key to sensors, --camera a detector key to cameras"},
	{"key list",   "[--all]",                 cmd_key_list,
	 "list API keys (active ones; --all includes revoked)"},
	{"key revoke", "ID",                      cmd_key_revoke,
	 "revoke an API key"},
	{"user create", "--name NAME --role ROLE [--display-name TEXT]", cmd_user_create,
	 "create a user; the password is read from the terminal or stdin"},
	{"user list",  "",                        cmd_user_list,
	 "list users"},
	{"user passwd", "NAME",                   cmd_user_passwd,
	 "set a user's password (their sessions end)"},
	{"user disable", "NAME [--enable]",       cmd_user_disable,
	 "disable a user (signed out everywhere), or enable them again"},
	{"setup-code", "[--owner USER]",          cmd_setup_code,
	 "make the first-run setup code (until the first admin exists)"},
	{"ha check",   "",                        cmd_ha_check,
	 "check the connection to Home Assistant (REST and WebSocket) and count what it has"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: hearthctl [-c CONFIG] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[96];

		snprintf(left, sizeof(left), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-48s %s\n", left, commands[i].help);
	}
	fprintf(out,
		"\noptions:\n"
		"  -c CONFIG   configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -h, --help  show this help\n"
		"\nexit status: 0 ok, 64 usage, 65 bad data, 69 database or Home Assistant\n"
		"unavailable, 77 refused by Home Assistant or the outbound policy,\n"
		"78 bad configuration\n",
		config_path(NULL));
}

int command_usage(const struct command *cmd)
{
	fprintf(stderr, "usage: hearthctl [-c CONFIG] %s %s\n", cmd->name, cmd->args);
	return EX_USAGE;
}

/* getopt's own messages would name the command's last word as the program. */
int command_bad_option(const struct command *cmd, char **argv)
{
	fprintf(stderr, "hearthctl: %s: bad option '%s'\n", cmd->name, argv[optind - 1]);
	return command_usage(cmd);
}

/* ---------------------------------------------------------------- helpers */

/* Load the configuration and set up (not yet open) the database. */
int ctl_open(struct ctl *c)
{
	char err[512];
	const char *path = config_path(c->config_arg);
	struct db_options o;

	if (config_load(path, &c->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hearthctl: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	/* A terminal wants warnings and errors, not the service's chatter. */
	log_set_level(c->cfg.log_level < LOG_WARNING ? c->cfg.log_level : LOG_WARNING);
	o = db_options_from_config(&c->cfg);
	if (!(c->db = db_new(&o))) {
		fprintf(stderr, "hearthctl: out of memory\n");
		return EX_OSERR;
	}
	return EX_OK;
}

static const char *ctl_db_where(const struct ctl *c)
{
	static char where[CONFIG_STR + 16];

	if (c->cfg.db_socket[0])
		snprintf(where, sizeof(where), "socket %s", c->cfg.db_socket);
	else
		snprintf(where, sizeof(where), "%s:%u", c->cfg.db_host, c->cfg.db_port);
	return where;
}

/* Report a failed store call; returns the exit code. */
void ctl_counters(const struct ctl *c)
{
	char path[CONFIG_STR + 16];

	/* Absent (no API running here, or not readable): a revoke then takes
	 * in the workers within a second instead of at once. */
	if (config_counters_path(&c->cfg, path, sizeof(path)) == 0)
		(void)cache_local_init(path, false);
}

int ctl_fail(const struct ctl *c, const char *what, enum herr rc)
{
	switch (rc) {
	case HERR_UNAVAILABLE:
		fprintf(stderr, "hearthctl: %s: database unavailable (%s)\n", what, ctl_db_where(c));
		return EX_UNAVAILABLE;
	case HERR_SCHEMA:
		fprintf(stderr, "hearthctl: %s: the database schema is out of date; "
			"run 'hearthctl migrate'\n", what);
		return EX_UNAVAILABLE;
	case HERR_NOMEM:
		fprintf(stderr, "hearthctl: %s: out of memory\n", what);
		return EX_OSERR;
	default:
		fprintf(stderr, "hearthctl: %s: %s\n", what, herr_str(rc));
		return EX_SOFTWARE;
	}
}

/* Characters in UTF-8 text, or -1 if it is not valid UTF-8. */
long utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		int extra;
		unsigned cp;

		if (*p < 0x80) {
			p++;
			n++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0) {
			extra = 1;
			cp = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			extra = 2;
			cp = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			extra = 3;
			cp = *p & 0x07;
		} else {
			return -1;
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (*p & 0x3F);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		n++;
	}
	return n;
}

/* The same rules as the API: 1..256 characters of UTF-8, not all blank. */
static bool name_ok(const char *name)
{
	long n = utf8_chars(name);

	return n >= 1 && n <= NAME_MAX_CHARS && name[strspn(name, " \t\r\n\f\v")] != '\0';
}

static void actor_name(char *out, size_t outsz)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw && pw->pw_name)
		snprintf(out, outsz, "hearthctl:%s", pw->pw_name);
	else
		snprintf(out, outsz, "hearthctl:uid %u", (unsigned)getuid());
}

enum herr ctl_audit(struct ctl *c, const char *path, const char *object_id, int status)
{
	char actor[128];
	struct audit_entry e;

	actor_name(actor, sizeof(actor));
	e = (struct audit_entry){
		.key_id = 0, .actor = actor, .method = "CLI", .path = path,
		.object_id = object_id, .status = status,
	};
	return store_audit_write(c->db, &e);
}

/* Print a field for a terminal: control characters become '?', padded to
 * width characters. */
void put_cell(const char *s, long width)
{
	long n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			putchar('?');
		else
			putchar(*p);
		if ((*p & 0xC0) != 0x80)
			n++;
	}
	for (; n < width; n++)
		putchar(' ');
}

void ctl_print_table(const json_t *items, const char *const *cols, size_t ncols)
{
	long width[16];
	const json_t *it;
	size_t i;

	if (ncols > sizeof(width) / sizeof(width[0]))
		ncols = sizeof(width) / sizeof(width[0]);
	for (size_t k = 0; k < ncols; k++) {
		width[k] = (long)strlen(cols[k]);
		json_array_foreach(items, i, it) {
			const char *s = json_string_value(json_object_get(it, cols[k]));
			long n = s ? utf8_chars(s) : 0;

			if (n > width[k])
				width[k] = n;
		}
	}
	for (size_t k = 0; k < ncols; k++)
		put_cell(cols[k], k == ncols - 1 ? 0 : width[k] + 2);
	putchar('\n');
	json_array_foreach(items, i, it) {
		for (size_t k = 0; k < ncols; k++) {
			const char *s = json_string_value(json_object_get(it, cols[k]));

			put_cell(s ? s : "", k == ncols - 1 ? 0 : width[k] + 2);
		}
		putchar('\n');
	}
}

/* ---------------------------------------------------------------- commands */

static void ctl__applied(const char *name, void *arg)
{
	(void)arg;
	printf("applied %s\n", name);
}

static int cmd_migrate(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	int applied = 0, version = 0, rv;
	enum herr rc;

	if (argc > 1)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	if ((rc = store_migrate(c->db, ctl__applied, NULL, &applied)) != HERR_OK)
		return ctl_fail(c, "migrate", rc);
	if ((rc = store_schema_version(c->db, &version)) != HERR_OK)
		return ctl_fail(c, "migrate", rc);
	if (applied == 0)
		printf("schema is up to date\n");
	printf("schema version %d\n", version);
	if (version > hearth_schema_required())
		fprintf(stderr, "hearthctl: note: the database (version %d) is newer than this "
			"build (version %d)\n", version, hearth_schema_required());
	return EX_OK;
}

static int cmd_status(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	int version = 0, required = hearth_schema_required(), rv;
	bool db_ok, schema_ok = false;
	struct cache *cache;
	enum herr rc;

	if (argc > 1)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;

	db_ok = db_ping(c->db) == HERR_OK;
	printf("database: %s (%s)\n", db_ok ? "ok" : "unavailable", ctl_db_where(c));
	if (db_ok && (rc = store_schema_version(c->db, &version)) == HERR_OK) {
		schema_ok = version >= required;
		printf("schema:   current %d, required %d%s\n", version, required,
		       schema_ok ? "" : " (run 'hearthctl migrate')");
	} else {
		printf("schema:   unknown, required %d\n", required);
	}

	if (!c->cfg.cache_servers[0]) {
		printf("cache:    not configured\n");
	} else if ((cache = cache_new(c->cfg.cache_servers, c->cfg.secret, c->cfg.secret_len))) {
		printf("cache:    %s (%s)\n", cache_alive(cache) ? "ok" : "unavailable",
		       c->cfg.cache_servers);
		cache_free(cache);
	}
	return db_ok && schema_ok ? EX_OK : EX_UNAVAILABLE;
}

/* A new key and its audit row, for db_tx. */
struct key_create {
	struct ctl *c;
	const char *name, *role;
	int64_t bind[KEY_BINDINGS_MAX];   /* sensors (cameras) to bind it to */
	size_t n_bind;
	bool cameras;                     /* bind holds cameras (--camera) */
	int64_t missing;                  /* the id that names no sensor (camera) */
	struct auth_new_key key;
	json_t *row;
	char id[32];
	bool no_randomness;
};

static enum herr key__create_tx(struct db *db, void *arg)
{
	struct key_create *k = arg;
	enum herr rc = HERR_CONFLICT;

	json_decref(k->row);   /* an earlier attempt's, rolled back */
	k->row = NULL;
	/* A prefix collision (1 in 2^32 per existing key) just means: draw again. */
	for (int tries = 0; tries < 3 && rc == HERR_CONFLICT; tries++) {
		if (auth_key_generate(&k->key) != 0) {
			k->no_randomness = true;
			return HERR_INTERNAL;
		}
		rc = store_api_keys_create(db, k->name, k->role, k->key.prefix, k->key.hash, &k->row);
	}
	if (rc != HERR_OK)
		return rc;
	k->missing = 0;
	for (size_t i = 0; i < k->n_bind; i++) {
		enum key_binding_target t;

		if ((rc = store_key_binding_target(db, k->bind[i], &t)) != HERR_OK)
			return rc;
		if (t == KEY_BINDING_NONE || (k->cameras && t != KEY_BINDING_CAMERA)) {
			k->missing = k->bind[i];
			return HERR_INVALID;
		}
	}
	if (k->n_bind > 0 &&
	    (rc = store_key_bindings_set(db, json_integer_value(json_object_get(k->row, "id")),
					 k->bind, k->n_bind)) != HERR_OK)
		return rc;
	snprintf(k->id, sizeof(k->id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(k->row, "id")));
	return ctl_audit(k->c, "key create", k->id, 201);
}

static int cmd_key_create(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},
		{"sensor", required_argument, NULL, 's'},
		{"camera", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *role = NULL;
	bool sensors = false, cameras = false;
	int64_t bind_id;
	struct key_create k = {.c = c};
	struct roles *roles = NULL;
	char err[512];
	enum herr rc;
	int ch, rv;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 's':
		case 'C':
			if (parse_int64(optarg, &bind_id) != 0 || bind_id < 1) {
				fprintf(stderr, "hearthctl: --%s wants a %s id, not '%s'\n",
					ch == 's' ? "sensor" : "camera",
					ch == 's' ? "sensor" : "camera", optarg);
				return EX_USAGE;
			}
			if (k.n_bind == KEY_BINDINGS_MAX) {
				fprintf(stderr, "hearthctl: at most %d sensors per key\n",
					KEY_BINDINGS_MAX);
				return EX_USAGE;
			}
			k.bind[k.n_bind++] = bind_id;
			sensors = sensors || ch == 's';
			cameras = cameras || ch == 'C';
			break;
		case 'h': printf("usage: hearthctl %s %s\n", cmd->name, cmd->args); return EX_OK;
		default: return command_bad_option(cmd, argv);
		}
	}
	if (!name || !role || optind != argc)
		return command_usage(cmd);
	/* A device key is bound to sensors, a detector key to cameras. */
	if ((sensors && strcmp(role, "device") != 0) || (cameras && strcmp(role, "detector") != 0)) {
		fprintf(stderr, "hearthctl: --sensor is for a key of role device, --camera for "
			"one of role detector\n");
		return EX_USAGE;
	}
	k.cameras = cameras;
	if (!name_ok(name)) {
		fprintf(stderr, "hearthctl: the name must be 1 to %d characters of UTF-8, "
			"not only blanks\n", NAME_MAX_CHARS);
		return EX_DATAERR;
	}
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	if (!(roles = roles_load(c->cfg.api_roles_file, err, sizeof(err)))) {
		fprintf(stderr, "hearthctl: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	if (!roles_exists(roles, role)) {
		fprintf(stderr, "hearthctl: no role '%s' in %s; roles:", role, c->cfg.api_roles_file);
		for (size_t i = 0; i < roles_count(roles); i++)
			fprintf(stderr, " %s", roles_name(roles, i));
		fprintf(stderr, "\n");
		rv = EX_DATAERR;
		goto out;
	}

	k.name = name;
	k.role = role;
	rc = db_tx(c->db, key__create_tx, &k);
	if (k.no_randomness) {
		fprintf(stderr, "hearthctl: cannot generate a key: no randomness\n");
		rv = EX_OSERR;
		goto out;
	}
	if (rc == HERR_INVALID && k.missing > 0) {
		fprintf(stderr, "hearthctl: no %s %" PRId64 "\n", k.cameras ? "camera" : "sensor",
			k.missing);
		rv = EX_DATAERR;
		goto out;
	}
	if (rc != HERR_OK) {
		rv = ctl_fail(c, "key create", rc);
		goto out;
	}

	printf("%s\n", k.key.key);
	fflush(stdout);
	fprintf(stderr, "created key %s (prefix %s); it will not be shown again\n", k.id,
		k.key.prefix);
	rv = EX_OK;
out:
	explicit_bzero(&k.key, sizeof(k.key));
	json_decref(k.row);
	roles_free(roles);
	return rv;
}

static int cmd_key_list(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *const cols[] = {"id", "prefix", "role", "name", "created_at", "revoked_at",
					   "sensors"};
	struct page pg = {.after_id = 0, .offset = -1, .limit = LIST_PAGE};
	json_t *items = NULL, *it;
	bool all = false, more = true;
	enum herr rc;
	size_t i;
	int ch, rv;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': all = true; break;
		case 'h': printf("usage: hearthctl %s %s\n", cmd->name, cmd->args); return EX_OK;
		default: return command_bad_option(cmd, argv);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	if (!(items = json_array()))
		return ctl_fail(c, "key list", HERR_NOMEM);
	while (more) {
		size_t before = json_array_size(items);

		if ((rc = store_api_keys_list(c->db, all, &pg, items, &more)) != HERR_OK) {
			rv = ctl_fail(c, "key list", rc);
			goto out;
		}
		if (json_array_size(items) == before)
			break;
		pg.after_id = json_integer_value(json_object_get(json_array_get(items,
					json_array_size(items) - 1), "id"));
	}

	/* Every value as text, so widths and printing treat them alike. */
	json_array_foreach(items, i, it) {
		char idtext[32];

		snprintf(idtext, sizeof(idtext), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(it, "id")));
		json_object_set_new(it, "id", json_string(idtext));
		if (json_is_null(json_object_get(it, "revoked_at")))
			json_object_set_new(it, "revoked_at", json_string("-"));
		/* A bound key's sensors ("4,7"); "any" for a key that is not bound. */
		json_object_set_new(it, "sensors", json_string("any"));
		if (json_is_true(json_object_get(it, "bound"))) {
			char list[KEY_BINDINGS_MAX * 21 + 2] = "";
			size_t j, used = 0;
			json_t *v;

			json_array_foreach(json_object_get(it, "sensor_ids"), j, v)
				if (used < sizeof(list))
					used += (size_t)snprintf(list + used, sizeof(list) - used,
								 "%s%" JSON_INTEGER_FORMAT,
								 j ? "," : "", json_integer_value(v));
			json_object_set_new(it, "sensors", json_string(used ? list : "none"));
		}
	}
	ctl_print_table(items, cols, 7);
	rv = EX_OK;
out:
	json_decref(items);
	return rv;
}

/* A key revoked and its audit row, for db_tx. */
struct key_revoke {
	struct ctl *c;
	long long id;
	const char *id_text;
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
};

static enum herr key__revoke_tx(struct db *db, void *arg)
{
	struct key_revoke *k = arg;
	enum herr rc = store_api_keys_revoke(db, k->id, k->prefix);

	return rc == HERR_OK ? ctl_audit(k->c, "key revoke", k->id_text, 204) : rc;
}

static int cmd_key_revoke(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	struct key_revoke k = {.c = c};
	struct cache *cache;
	bool settled = true;
	char *end;
	long long id;
	enum herr rc;
	int rv;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: hearthctl %s %s\n", cmd->name, cmd->args);
		return EX_OK;
	}
	if (argc != 2)
		return command_usage(cmd);
	id = strtoll(argv[1], &end, 10);
	if (end == argv[1] || *end || id <= 0) {
		fprintf(stderr, "hearthctl: '%s' is not a key id\n", argv[1]);
		return EX_DATAERR;
	}
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;

	k.id = id;
	k.id_text = argv[1];
	rc = db_tx(c->db, key__revoke_tx, &k);
	if (rc == HERR_NOT_FOUND) {
		fprintf(stderr, "hearthctl: no active key with id %lld\n", id);
		return EX_DATAERR;
	}
	if (rc != HERR_OK)
		return ctl_fail(c, "key revoke", rc);

	/* After the commit, so a reader cannot cache the row again from
	 * before it. */
	ctl_counters(c);
	if ((cache = cache_new(c->cfg.cache_servers, c->cfg.secret, c->cfg.secret_len))) {
		principal_forget(cache, k.prefix);
		settled = cache_settled(cache);
		cache_free(cache);
	}
	printf("revoked key %lld (prefix %s)\n", id, k.prefix);
	if (!settled) {
		/* Revoked for good in the database, but a worker may still hold
		 * the key's cached row: say so rather than pretend. */
		fprintf(stderr, "hearthctl: memcached (%s) could not be told; the key may still be "
			"accepted for up to %u s. Restart memcached to be sure.\n",
			c->cfg.cache_servers, c->cfg.cache_ttl);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

/* ---------------------------------------------------------------- main */

/* How many words of argv name cmd (0 = it doesn't). */
static int command_words(const struct command *cmd, int argc, char **argv)
{
	const char *space = strchr(cmd->name, ' ');

	if (!space)
		return strcmp(argv[0], cmd->name) == 0;
	if (strlen(argv[0]) != (size_t)(space - cmd->name) ||
	    strncmp(argv[0], cmd->name, (size_t)(space - cmd->name)) != 0 ||
	    argc < 2 || strcmp(argv[1], space + 1) != 0)
		return 0;
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl c = {0};
	int ch, rv;

	log_init("hearthctl", LOG_WARNING);
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	argc -= optind;
	argv += optind;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int words = command_words(&commands[i], argc, argv);

		if (words > 0) {
			/* The command sees its last word as argv[0]. */
			rv = commands[i].run(&c, &commands[i], argc - words + 1, argv + words - 1);
			db_free(c.db);
			explicit_bzero(&c.cfg, sizeof(c.cfg));
			return rv;
		}
	}
	fprintf(stderr, "hearthctl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return EX_USAGE;
}
