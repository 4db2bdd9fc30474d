/*
 * hearthctl user ... and setup-code: people's accounts from the console,
 * for the box's owner who has no browser at hand or has locked
 * themselves out.  The same rules as the API (lib/accounts.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "accounts.h"
#include "cache.h"
#include "ctl.h"
#include "db.h"
#include "password.h"
#include "principal.h"
#include "roles.h"
#include "store/accounts.h"
#include "store/settings.h"
#include "store/store.h"

#define USAGE_HELP(cmd) (printf("usage: hearthctl %s %s\n", (cmd)->name, (cmd)->args), EX_OK)

/* One line from fp into buf without its newline; -1 at EOF or when too long. */
static int users__line(FILE *fp, char *buf, size_t size)
{
	size_t len;

	if (!fgets(buf, (int)size, fp))
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (!feof(fp))
		return -1;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

/* Prompt on the terminal without echo. */
static int users__ask(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int rv;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rv = users__line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rv;
}

/* The new password: asked twice on a terminal, else the first line of
 * stdin (for scripts: printf '%s\n' "$pw" | hearthctl user passwd mum). */
static int users__read_password(char *buf, size_t size)
{
	char again[PASSWORD_MAX_BYTES + 2];
	int rv = -1;

	if (!isatty(STDIN_FILENO)) {
		if (users__line(stdin, buf, size) != 0) {
			fprintf(stderr, "hearthctl: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	if (users__ask("new password: ", buf, size) != 0 ||
	    users__ask("again: ", again, sizeof(again)) != 0)
		goto out;
	if (strcmp(buf, again) != 0) {
		fprintf(stderr, "hearthctl: the two passwords differ\n");
		goto out;
	}
	rv = 0;
out:
	OPENSSL_cleanse(again, sizeof(again));
	return rv;
}

/* Forget what a change made stale: after the commit, so a reader cannot
 * cache a row again from before it. */
static void users__forget(struct ctl *c, json_t *keys, json_t *sessions)
{
	struct cache *cache;

	ctl_counters(c);
	cache = cache_new(c->cfg.cache_servers, c->cfg.secret, c->cfg.secret_len);
	if (cache) {
		principal_forget_all(cache, keys, sessions);
		cache_free(cache);
	}
}

/* A new user and its audit row, for db_tx. */
struct user_create {
	struct ctl *c;
	const char *name, *display, *role, *hash;
	json_t *row;
	char id[32];
};

static enum herr users__create_tx(struct db *db, void *arg)
{
	struct user_create *u = arg;
	enum herr rc;

	json_decref(u->row);   /* an earlier attempt's, rolled back */
	u->row = NULL;
	if ((rc = store_users_create(db, u->name, u->display, u->role, u->hash, &u->row)) !=
	    HERR_OK)
		return rc;
	snprintf(u->id, sizeof(u->id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(u->row, "id")));
	return ctl_audit(u->c, "user create", u->id, 201);
}

int cmd_user_create(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},
		{"display-name", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *role = NULL, *display = "", *why;
	char pw[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX], err[512];
	struct user_create u = {.c = c, .hash = hash};
	struct roles *roles = NULL;
	enum herr rc;
	int ch, rv;

	memset(pw, 0, sizeof(pw));
	memset(hash, 0, sizeof(hash));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'd': display = optarg; break;
		case 'h': return USAGE_HELP(cmd);
		default: return command_bad_option(cmd, argv);
		}
	}
	if (!name || !role || optind != argc)
		return command_usage(cmd);
	if ((why = accounts_username_refusal(name))) {
		fprintf(stderr, "hearthctl: %s\n", why);
		return EX_DATAERR;
	}
	if (utf8_chars(display) < 0 || utf8_chars(display) > DISPLAY_NAME_MAX) {
		fprintf(stderr, "hearthctl: the display name must be at most %d characters of "
			"UTF-8\n", DISPLAY_NAME_MAX);
		return EX_DATAERR;
	}
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	if (!(roles = roles_load(c->cfg.api_roles_file, err, sizeof(err)))) {
		fprintf(stderr, "hearthctl: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	if (!roles_exists(roles, role)) {
		fprintf(stderr, "hearthctl: no role '%s' in %s\n", role, c->cfg.api_roles_file);
		rv = EX_DATAERR;
		goto out;
	}
	if (users__read_password(pw, sizeof(pw)) != 0) {
		rv = EX_DATAERR;
		goto out;
	}
	if ((why = password_refusal(pw, name))) {
		fprintf(stderr, "hearthctl: %s\n", why);
		rv = EX_DATAERR;
		goto out;
	}
	if (password_hash(pw, hash) != 0) {
		rv = ctl_fail(c, "user create", HERR_NOMEM);
		goto out;
	}
	u.name = name;
	u.display = display;
	u.role = role;
	rc = db_tx(c->db, users__create_tx, &u);
	if (rc == HERR_CONFLICT) {
		fprintf(stderr, "hearthctl: the user name '%s' is taken\n", name);
		rv = EX_DATAERR;
		goto out;
	}
	if (rc != HERR_OK) {
		rv = ctl_fail(c, "user create", rc);
		goto out;
	}
	printf("created user %s (%s, role %s)\n", u.id, name, role);
	rv = EX_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(u.row);
	roles_free(roles);
	return rv;
}

int cmd_user_list(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const char *const cols[] = {"id", "username", "role", "state", "last_login_at",
					   "display_name"};
	enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
	struct page pg = {.after_id = 0, .offset = -1, .limit = LIST_PAGE};
	json_t *items = NULL, *it;
	bool more = true;
	enum herr rc;
	size_t i;
	int rv;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return USAGE_HELP(cmd);
	if (argc != 1)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	if (!(items = json_array()))
		return ctl_fail(c, "user list", HERR_NOMEM);
	while (more) {
		size_t before = json_array_size(items);

		if ((rc = store_users_list(c->db, &pg, items, &more)) != HERR_OK) {
			rv = ctl_fail(c, "user list", rc);
			goto out;
		}
		if (json_array_size(items) == before)
			break;
		pg.after_id = json_integer_value(json_object_get(json_array_get(items,
					json_array_size(items) - 1), "id"));
	}
	json_array_foreach(items, i, it) {
		char idtext[32];

		snprintf(idtext, sizeof(idtext), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(it, "id")));
		json_object_set_new(it, "id", json_string(idtext));
		json_object_set_new(it, "state", json_string(json_is_true(json_object_get(
						it, "disabled")) ? "disabled" : "enabled"));
		if (json_is_null(json_object_get(it, "last_login_at")))
			json_object_set_new(it, "last_login_at", json_string("-"));
	}
	ctl_print_table(items, cols, NCOLS);
	rv = EX_OK;
out:
	json_decref(items);
	return rv;
}

/* The user called name into u; lock: its row FOR UPDATE (in the caller's
 * transaction).  HERR_NOT_FOUND when there is none. */
static enum herr users__find(struct db *db, const char *name, bool lock, struct user_row *u)
{
	struct user_row found;
	enum herr rc = store_users_find(db, name, &found);

	if (rc == HERR_OK)
		rc = store_users_row(db, found.id, lock, u);
	OPENSSL_cleanse(&found, sizeof(found));
	return rc;
}

/* A command's failure to find or change the user called name; the exit
 * status. */
static int users__fail(struct ctl *c, const char *what, const char *name, enum herr rc)
{
	if (rc != HERR_NOT_FOUND)
		return ctl_fail(c, what, rc);
	fprintf(stderr, "hearthctl: no user named '%s'\n", name);
	return EX_DATAERR;
}

/* A password set (the user's sessions end) and its audit row, for db_tx. */
struct user_passwd {
	struct ctl *c;
	const char *name;
	const char *pw;
	struct user_row u;        /* as locked */
	json_t *keys, *sessions;  /* their prefixes, to forget once committed */
	const char *why;          /* HERR_INVALID: the password's refusal */
};

static enum herr users__passwd_tx(struct db *db, void *arg)
{
	struct user_passwd *p = arg;
	char id[32];
	enum herr rc;

	json_array_clear(p->keys);       /* an earlier attempt's, rolled back */
	json_array_clear(p->sessions);
	if ((rc = users__find(db, p->name, true, &p->u)) != HERR_OK)
		return rc;
	/* The prefixes first: accounts_set_password ends the sessions. */
	rc = store_users_prefixes(db, p->u.id, p->keys, p->sessions);
	if (rc == HERR_OK)
		rc = accounts_set_password(db, NULL, &p->u, p->pw, 0, &p->why);
	snprintf(id, sizeof(id), "%lld", (long long)p->u.id);
	if (rc == HERR_OK)
		rc = ctl_audit(p->c, "user passwd", id, 204);
	return rc;
}

int cmd_user_passwd(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	char pw[PASSWORD_MAX_BYTES + 2];
	struct user_passwd p = {.c = c, .pw = pw, .keys = json_array(), .sessions = json_array()};
	struct user_row u;
	enum herr rc;
	int rv;

	memset(pw, 0, sizeof(pw));
	memset(&u, 0, sizeof(u));
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		rv = USAGE_HELP(cmd);
		goto out;
	}
	if (argc != 2) {
		rv = command_usage(cmd);
		goto out;
	}
	if (!p.keys || !p.sessions) {
		rv = EX_OSERR;
		goto out;
	}
	if ((rv = ctl_open(c)) != EX_OK)
		goto out;
	/* Whether there is such a user, before the password is asked for;
	 * its row is locked only once the password is known, not while
	 * someone types. */
	if ((rc = users__find(c->db, argv[1], false, &u)) != HERR_OK) {
		rv = users__fail(c, "user passwd", argv[1], rc);
		goto out;
	}
	if (users__read_password(pw, sizeof(pw)) != 0) {
		rv = EX_DATAERR;
		goto out;
	}
	p.name = argv[1];
	rc = db_tx(c->db, users__passwd_tx, &p);
	if (rc == HERR_INVALID) {
		fprintf(stderr, "hearthctl: %s\n", p.why);
		rv = EX_DATAERR;
		goto out;
	}
	if (rc != HERR_OK) {
		rv = users__fail(c, "user passwd", argv[1], rc);
		goto out;
	}
	users__forget(c, NULL, p.sessions);
	printf("password of %s changed; their sessions have ended\n", p.u.username);
	rv = EX_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(&p.u, sizeof(p.u));
	json_decref(p.keys);
	json_decref(p.sessions);
	return rv;
}

/* A user disabled (signed out everywhere) or enabled again, and its audit
 * row, for db_tx. */
struct user_disable {
	struct ctl *c;
	const char *name;
	bool enable;
	struct user_row u;        /* as locked */
	bool last;                /* the last enabled admin: nothing done */
	json_t *keys, *sessions;  /* their prefixes, to forget once committed */
};

static enum herr users__disable_tx(struct db *db, void *arg)
{
	struct user_disable *d = arg;
	char id[32];
	enum herr rc;

	json_array_clear(d->keys);       /* an earlier attempt's, rolled back */
	json_array_clear(d->sessions);
	d->last = false;
	if ((rc = users__find(db, d->name, true, &d->u)) != HERR_OK)
		return rc;
	if (!d->enable &&
	    ((rc = accounts_would_orphan(db, &d->u, NULL, true, false, &d->last)) != HERR_OK ||
	     d->last))
		return rc;
	rc = store_users_prefixes(db, d->u.id, d->keys, d->sessions);
	if (rc == HERR_OK)
		rc = store_users_update(db, d->u.id, NULL, NULL, d->enable ? 0 : 1, NULL);
	if (rc == HERR_OK && !d->enable)
		rc = store_sessions_end_user(db, d->u.id, 0, d->sessions);
	snprintf(id, sizeof(id), "%lld", (long long)d->u.id);
	if (rc == HERR_OK)
		rc = ctl_audit(d->c, d->enable ? "user enable" : "user disable", id, 200);
	return rc;
}

int cmd_user_disable(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	struct user_disable d = {.c = c, .keys = json_array(), .sessions = json_array()};
	bool enable = false;
	const char *name = NULL;
	enum herr rc;
	int rv;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			rv = USAGE_HELP(cmd);
			goto out;
		} else if (!strcmp(argv[i], "--enable")) {
			enable = true;
		} else if (!name && argv[i][0] != '-') {
			name = argv[i];
		} else {
			rv = command_usage(cmd);
			goto out;
		}
	}
	if (!name) {
		rv = command_usage(cmd);
		goto out;
	}
	if (!d.keys || !d.sessions) {
		rv = EX_OSERR;
		goto out;
	}
	if ((rv = ctl_open(c)) != EX_OK)
		goto out;
	d.name = name;
	d.enable = enable;
	rc = db_tx(c->db, users__disable_tx, &d);
	if (rc == HERR_OK && d.last) {
		fprintf(stderr, "hearthctl: %s is the last enabled admin; make another admin "
			"first\n", d.u.username);
		rv = EX_DATAERR;
		goto out;
	}
	if (rc != HERR_OK) {
		rv = users__fail(c, "user disable", name, rc);
		goto out;
	}
	users__forget(c, d.keys, d.sessions);
	printf("%s %s\n", enable ? "enabled" : "disabled, and signed out everywhere:",
	       d.u.username);
	rv = EX_OK;
out:
	OPENSSL_cleanse(&d.u, sizeof(d.u));
	json_decref(d.keys);
	json_decref(d.sessions);
	return rv;
}

/* Write code to path, mode 0600, replacing any earlier file; owned by
 * owner when given (the service user, which deletes it after setup). */
static int users__write_code(const char *path, const char *code, const char *owner)
{
	struct passwd *pw = NULL;
	char tmp[CONFIG_STR + 8];
	int fd, rv = -1;
	FILE *fp;

	if (owner && !(pw = getpwnam(owner))) {
		fprintf(stderr, "hearthctl: no user '%s'\n", owner);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "hearthctl: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (pw && fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		fprintf(stderr, "hearthctl: %s: chown: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (!(fp = fdopen(fd, "w"))) {
		close(fd);
		goto out;
	}
	fprintf(fp, "%s\n", code);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		fclose(fp);
		goto out;
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0)
		goto out;
	rv = 0;
out:
	if (rv != 0) {
		fprintf(stderr, "hearthctl: could not write %s: %s\n", path, strerror(errno));
		(void)unlink(tmp);
	}
	return rv;
}

/* A new setup code: its hash saved, its file written, for db_tx. */
struct setup_code {
	struct ctl *c;
	const char *owner;
	char code[ACCOUNTS_SETUP_CODE_LEN + 1];
	bool done;            /* setup is over: nothing to make */
	int fault;            /* an exit status when it failed outside the database */
};

static enum herr users__setup_code_tx(struct db *db, void *arg)
{
	struct setup_code *sc = arg;
	char hex[ACCOUNTS_SETUP_HASH_LEN];
	json_t *doc = NULL;
	int64_t users = 0;
	enum herr rc;

	sc->done = false;
	sc->fault = EX_OK;
	rc = store_settings_get(db, ACCOUNTS_SETUP_SETTING, true, &doc);
	if (rc == HERR_NOT_FOUND)
		rc = (doc = json_object()) ? HERR_OK : HERR_NOMEM;
	if (rc == HERR_OK)
		rc = store_users_count(db, &users);
	if (rc != HERR_OK)
		goto out;
	if (users > 0 || json_object_get(doc, "done_at")) {
		sc->done = true;
		goto out;
	}
	if (accounts_setup_code_new(sc->code) != 0) {
		fprintf(stderr, "hearthctl: cannot make a code: no randomness\n");
		sc->fault = EX_OSERR;
		rc = HERR_INTERNAL;
		goto out;
	}
	accounts_setup_code_hash(sc->code, hex);
	if (json_object_set_new(doc, "code_hash", json_string(hex)) != 0) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = store_settings_put(db, ACCOUNTS_SETUP_SETTING, doc)) != HERR_OK ||
	    (rc = ctl_audit(sc->c, "setup-code", NULL, 201)) != HERR_OK)
		goto out;
	/* The file before the commit: a code nobody can read is no use, and
	 * an earlier code stays valid until this one is committed. */
	if (users__write_code(sc->c->cfg.auth_setup_code_file, sc->code, sc->owner) != 0) {
		sc->fault = EX_CANTCREAT;
		rc = HERR_INTERNAL;
	}
out:
	json_decref(doc);
	return rc;
}

int cmd_setup_code(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"owner", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct setup_code sc = {.c = c};
	const char *owner = NULL;
	enum herr rc;
	int ch, rv;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': owner = optarg; break;
		case 'h': return USAGE_HELP(cmd);
		default: return command_bad_option(cmd, argv);
		}
	}
	if (optind != argc)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	sc.owner = owner;
	rc = db_tx(c->db, users__setup_code_tx, &sc);
	if (sc.fault != EX_OK) {
		rv = sc.fault;
	} else if (rc != HERR_OK) {
		rv = ctl_fail(c, "setup-code", rc);
	} else if (sc.done) {
		/* Not an error: the package runs this at every install. */
		fprintf(stderr, "hearthctl: setup is done (an account exists): no setup code needed\n");
		rv = EX_OK;
	} else {
		printf("%s\n", c->cfg.auth_setup_code_file);
		fprintf(stderr, "the setup code is in %s; open https://<this box>/ to create the "
			"first admin with it\n", c->cfg.auth_setup_code_file);
		rv = EX_OK;
	}
	OPENSSL_cleanse(sc.code, sizeof(sc.code));
	return rv;
}
