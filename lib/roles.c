/*
 * Roles as allow/deny lists of fnmatch(3) patterns over "METHOD /path".
 * Loading is strict, because a pattern that can never match is a silent
 * lock-out and a misspelt key a silent hole: every line must be
 * "allow = ..." or "deny = ..." inside a [role] section, and every pattern
 * must have the shape "METHOD /path" (or be "*").
 */
#include "roles.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

#define ROLES_MAX 64
#define ROLE_PATTERNS_MAX 256
#define ROLE_NAME_MAX 64
#define ROLE_PATTERN_MAX 255

struct role_rule {
	bool deny;
	char *pattern;
};

struct role {
	char name[ROLE_NAME_MAX + 1];
	struct role_rule *rules;
	size_t nrules;
};

struct roles {
	struct role role[ROLES_MAX];
	size_t n;
};

__attribute__((format(printf, 3, 4)))
static void roles__err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool roles__valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > ROLE_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-") == n;
}

/* "*", or METHOD (letters or wildcards) + one space + a path pattern that
 * starts with '/' or a wildcard and has no spaces. */
static bool roles__valid_pattern(const char *p)
{
	const char *sp;
	size_t mlen;

	if (strcmp(p, "*") == 0)
		return true;
	sp = strchr(p, ' ');
	if (!sp)
		return false;
	mlen = (size_t)(sp - p);
	if (mlen == 0 || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ*?[]") != mlen)
		return false;
	sp++;
	if (*sp != '/' && *sp != '*')
		return false;
	return strpbrk(sp, " \t") == NULL;
}

/* Index of the role called name, or r->n when there is none. */
static size_t roles__index(const struct roles *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->role[i].name, name) == 0)
			break;
	return i;
}

static int roles__ini_cb(const char *section, const char *key, const char *value, int lineno,
			 void *user, char *err, size_t errlen)
{
	struct roles *r = user;
	struct role_rule *rules;
	struct role *role;
	bool deny;
	size_t i;

	if (*section == '\0') {
		roles__err(err, errlen, "line %d: '%s' is outside any [role] section", lineno, key);
		return -1;
	}
	if (!roles__valid_name(section)) {
		roles__err(err, errlen,
			   "line %d: role name '%.64s' must be 1 to %d characters of "
			   "letters, digits, '_', '.' and '-'",
			   lineno, section, ROLE_NAME_MAX);
		return -1;
	}
	if (strcmp(key, "allow") == 0)
		deny = false;
	else if (strcmp(key, "deny") == 0)
		deny = true;
	else {
		roles__err(err, errlen, "line %d: [%s]: unknown key '%.64s' (use allow or deny)",
			   lineno, section, key);
		return -1;
	}
	if (strlen(value) > ROLE_PATTERN_MAX || !roles__valid_pattern(value)) {
		roles__err(err, errlen,
			   "line %d: [%s]: %s '%.64s' must look like 'METHOD /path' "
			   "(fnmatch patterns, e.g. 'GET /api/v1/*') or be '*'",
			   lineno, section, key, value);
		return -1;
	}

	i = roles__index(r, section);
	if (i == r->n) {
		if (r->n == ROLES_MAX) {
			roles__err(err, errlen, "line %d: more than %d roles", lineno, ROLES_MAX);
			return -1;
		}
		memcpy(r->role[i].name, section, strlen(section) + 1);
		r->n++;
	}
	role = &r->role[i];
	if (role->nrules == ROLE_PATTERNS_MAX) {
		roles__err(err, errlen, "line %d: [%s]: more than %d patterns", lineno, section,
			   ROLE_PATTERNS_MAX);
		return -1;
	}
	rules = realloc(role->rules, (role->nrules + 1) * sizeof(*rules));
	if (!rules) {
		roles__err(err, errlen, "line %d: out of memory", lineno);
		return -1;
	}
	role->rules = rules;
	rules[role->nrules].deny = deny;
	rules[role->nrules].pattern = strdup(value);
	if (!rules[role->nrules].pattern) {
		roles__err(err, errlen, "line %d: out of memory", lineno);
		return -1;
	}
	role->nrules++;
	return 0;
}

/* Messages do not name the file: the caller knows which one it asked for
 * and says so ("/etc/hearth/roles.conf: line 4: ..."). */
struct roles *roles_load(const char *path, char *err, size_t errlen)
{
	struct roles *r = NULL;
	char *text = NULL;
	size_t len = 0;

	if (!path || ini_read_file(path, &text, &len, err, errlen) != 0)
		return NULL;
	r = roles_load_text(text, len, err, errlen);
	free(text);
	return r;
}

struct roles *roles_load_text(const char *text, size_t len, char *err, size_t errlen)
{
	struct roles *r = calloc(1, sizeof(*r));

	if (!r) {
		roles__err(err, errlen, "out of memory");
		return NULL;
	}
	if (ini_parse(text, text ? len : 0, roles__ini_cb, r, err, errlen) != 0)
		goto fail;
	if (r->n == 0) {
		roles__err(err, errlen, "defines no roles (add a [role] section with allow lines)");
		goto fail;
	}
	return r;
fail:
	roles_free(r);
	return NULL;
}

void roles_free(struct roles *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->role[i].nrules; j++)
			free(r->role[i].rules[j].pattern);
		free(r->role[i].rules);
	}
	free(r);
}

bool roles_exists(const struct roles *r, const char *role)
{
	return r && role && roles__index(r, role) < r->n;
}

bool roles_allows(const struct roles *r, const char *role, const char *method, const char *path)
{
	const struct role *ro;
	char stackbuf[1024];
	char *subject = stackbuf;
	bool allowed = false;
	size_t i, mlen, plen;

	if (!r || !role || !method || !path)
		return false;
	i = roles__index(r, role);
	if (i == r->n)
		return false;
	ro = &r->role[i];

	mlen = strlen(method);
	plen = strlen(path);
	if (mlen + 1 + plen + 1 > sizeof(stackbuf)) {
		subject = malloc(mlen + 1 + plen + 1);
		if (!subject)
			return false;
	}
	memcpy(subject, method, mlen);
	subject[mlen] = ' ';
	memcpy(subject + mlen + 1, path, plen + 1);

	for (i = 0; i < ro->nrules; i++) {
		if (fnmatch(ro->rules[i].pattern, subject, 0) != 0)
			continue;
		if (ro->rules[i].deny) {
			allowed = false;
			break;
		}
		allowed = true;
	}

	if (subject != stackbuf)
		free(subject);
	return allowed;
}

size_t roles_count(const struct roles *r)
{
	return r ? r->n : 0;
}

const char *roles_name(const struct roles *r, size_t i)
{
	if (!r || i >= r->n)
		return NULL;
	return r->role[i].name;
}
