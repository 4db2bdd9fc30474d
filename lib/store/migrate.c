/*
 * Schema migrations: the sql/NNN_*.sql files embedded in the binary,
 * applied in order and recorded in schema_migrations.  Each one not
 * recorded is applied, not only those above the highest recorded: a
 * database that took 018 before 016 existed (work merged out of order)
 * still gets 016.
 *
 * Several hosts may start at once, so store_migrate() holds the named lock
 * 'hearth.migrate' while it reads the version and applies what is missing;
 * the server releases the lock by itself if the session dies half-way.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migrations.h"
#include "rows.h"
#include "store.h"
#include "validate.h"

#define MIGRATE_LOCK_SECONDS 30

static const char sql_bootstrap[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT PRIMARY KEY,"
	" name VARCHAR(128) NOT NULL,"
	" applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
static const char sql_version[] =
	"SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char sql_applied[] =
	"SELECT CAST(version AS CHAR) FROM schema_migrations ORDER BY version";
static const char sql_record[] =
	"INSERT INTO schema_migrations (version, name) VALUES (?, ?)";
static const char sql_lock[] =
	"SELECT GET_LOCK('hearth.migrate', ?)";
static const char sql_unlock[] =
	"SELECT RELEASE_LOCK('hearth.migrate')";

static enum herr migrate__read_version(struct db *db, int *version)
{
	struct db_stmt *st = NULL;
	int64_t v;
	enum herr rc;

	*version = 0;
	if ((rc = db_prepare(db, sql_version, &st)) != HERR_OK)
		goto out;
	if ((rc = store_rows_int(st, &v)) == HERR_OK)
		*version = (int)v;
out:
	db_done(st);
	return rc;
}

enum herr store_schema_version(struct db *db, int *version)
{
	enum herr rc = migrate__read_version(db, version);

	/* No schema_migrations table yet: nothing has been applied. */
	if (rc == HERR_SCHEMA) {
		*version = 0;
		rc = HERR_OK;
	}
	return rc;
}

/* Run the single-row SELECT of a lock function; *result = its value, -1 for NULL. */
static enum herr migrate__lock_call(struct db *db, const char *sql, bool with_timeout,
				    int64_t *result)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*result = -1;
	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		goto out;
	if (with_timeout)
		db_bind_int64(st, 0, MIGRATE_LOCK_SECONDS);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	if (db_fetch(st) != 1) {
		rc = HERR_INTERNAL;
		goto out;
	}
	if (!db_col_is_null(st, 0))
		*result = db_col_int64(st, 0);
out:
	db_done(st);
	return rc;
}

static bool migrate__blank_or_comment(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)line[i]))
		i++;
	return i == len || (len - i >= 2 && line[i] == '-' && line[i + 1] == '-');
}

/*
 * Run each statement of a migration.  A statement ends with ';' at the end
 * of a line; lines starting with "--" are comments.  The text is embedded
 * in the binary, never input, hence db_exec_static.
 */
static enum herr migrate__apply(struct db *db, const struct migration *m)
{
	size_t total = strlen(m->sql), used = 0, nstmt = 0;
	char *buf = malloc(total + 1);
	const char *p = m->sql, *end = m->sql + total;
	enum herr rc = HERR_NOMEM;

	if (!buf)
		goto out;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t trimmed = len;

		while (trimmed > 0 && isspace((unsigned char)p[trimmed - 1]))
			trimmed--;
		if (!migrate__blank_or_comment(p, len)) {
			size_t start = used;

			memcpy(buf + used, p, len);
			used += len;
			buf[used++] = '\n';
			if (p[trimmed - 1] == ';') {
				used = start + trimmed - 1;  /* without the ';' */
				buf[used] = '\0';
				nstmt++;
				if ((rc = db_exec_static(db, buf)) != HERR_OK) {
					LOG(LOG_ERR, "migration %s: statement %zu failed: %s",
					    m->name, nstmt, herr_str(rc));
					goto out;
				}
				used = 0;
			}
		}
		p += len + (nl ? 1 : 0);
	}
	if (used > 0) {
		LOG(LOG_ERR, "migration %s: text after the last ';'", m->name);
		rc = HERR_INTERNAL;
		goto out;
	}
	rc = HERR_OK;
out:
	free(buf);
	return rc;
}

static enum herr migrate__record(struct db *db, const struct migration *m)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_record, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, m->version);
	db_bind_text(st, 1, m->name);
	rc = db_execute(st);
out:
	db_done(st);
	return rc;
}

/* Whether version is among the recorded ones (a JSON array of numbers). */
static bool migrate__recorded(const json_t *done, int version)
{
	const json_t *v;
	size_t i;

	json_array_foreach(done, i, v) {
		int64_t n;

		if (parse_int64(json_string_value(v), &n) == 0 && n == version)
			return true;
	}
	return false;
}

enum herr store_migrate(struct db *db, void (*each)(const char *name, void *arg), void *arg,
			 int *applied)
{
	int64_t locked = -1, released;
	int count = 0;
	json_t *done = json_array();
	struct db_stmt *st = NULL;
	enum herr rc;

	if (applied)
		*applied = 0;
	if ((rc = migrate__lock_call(db, sql_lock, true, &locked)) != HERR_OK)
		goto out;
	if (locked != 1) {
		LOG(LOG_ERR, "migrate: another migration held the lock for %d s", MIGRATE_LOCK_SECONDS);
		rc = HERR_UNAVAILABLE;
		goto out;
	}
	if ((rc = db_exec_static(db, sql_bootstrap)) != HERR_OK)
		goto out;
	if (!done) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = db_query(db, &st, sql_applied, "")) != HERR_OK ||
	    (rc = store_rows_take_strings(st, done)) != HERR_OK)
		goto out;
	for (size_t i = 0; i < hearth_migrations_count; i++) {
		const struct migration *m = &hearth_migrations[i];

		if (migrate__recorded(done, m->version))
			continue;
		if ((rc = migrate__apply(db, m)) != HERR_OK)
			goto out;
		if ((rc = migrate__record(db, m)) != HERR_OK)
			goto out;
		LOG(LOG_NOTICE, "migrate: applied %s", m->name);
		if (each)
			each(m->name, arg);
		count++;
	}
	rc = HERR_OK;
out:
	/* If the connection is gone, so is the lock: the server let go of it. */
	if (locked == 1 && migrate__lock_call(db, sql_unlock, false, &released) != HERR_OK)
		LOG(LOG_WARNING, "migrate: could not release the lock");
	if (applied)
		*applied = count;
	json_decref(done);
	return rc;
}
