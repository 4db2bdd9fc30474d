#ifndef HEARTH_ROLES_H
#define HEARTH_ROLES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Roles: fnmatch(3) patterns on "METHOD /path" (no query string), read from
 * an INI file an admin can edit (packaging/roles.conf is the default):
 */
//   [caregiver]
//   allow = GET /api/v1/*
//   allow = POST /api/v1/alerts/*/action
//   deny  = GET /api/v1/api-keys*
/*
 * '*' matches across '/' (no FNM_PATHNAME).  A request is allowed when some
 * allow pattern of the role matches and no deny pattern does.  Everything
 * else is denied, including unknown roles.
 */
struct roles;

/* NULL with a message in err on a bad file (unknown key, empty role, too
 * many patterns). */
struct roles *roles_load(const char *path, char *err, size_t errlen);
struct roles *roles_load_text(const char *text, size_t len, char *err, size_t errlen);
void roles_free(struct roles *r);

bool roles_exists(const struct roles *r, const char *role);
bool roles_allows(const struct roles *r, const char *role, const char *method, const char *path);

/* Iterate role names: 0 <= i < roles_count(r). Borrowed. */
size_t roles_count(const struct roles *r);
const char *roles_name(const struct roles *r, size_t i);

#endif
