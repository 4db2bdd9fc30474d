/*
 * MariaDB through Connector/C: one connection per process, prepared
 * statements cached by the address of their SQL text, and the one place
 * where server errors become enum herr.
 *
 * Failure model.  The connection has connect/read/write timeouts, so a dead
 * or hung server costs at most those seconds.  Whenever an error says the
 * connection is gone, the connection and every prepared statement are
 * dropped at once; the next db_ensure() connects afresh and statements are
 * prepared again on first use.  MYSQL_OPT_RECONNECT is never set: a silent
 * reconnect inside the library would lose session settings, prepared
 * statements and, worst, an open transaction without telling anyone.
 *
 * Statement wrappers (struct db_stmt) live as long as the struct db; only
 * the MYSQL_STMT inside one comes and goes with the connection, so a caller
 * still holding a statement when the connection drops gets an error from
 * it, never a dangling pointer.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "db.h"
#include "log.h"

/* Timeouts of 0 would mean "wait forever" to Connector/C. */
#define DB_DEFAULT_CONNECT_TIMEOUT 2
#define DB_DEFAULT_TIMEOUT 2

/* Column buffers larger than this are given back after each use. */
#define DB_KEEP_BUFFER (64 * 1024)

/* The session every connection runs in: UTC (DATETIME columns hold UTC),
 * and strict, so bad data is an error rather than a silent truncation. */
static const char db__session_sql[] =
	"SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,"
	"ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'";

struct db_param {
	long long num;
	signed char flag;
	unsigned long len;
	bool set;
};

struct db_col {
	char *buf;              /* non-integer columns, NUL-terminated */
	unsigned long cap;
	unsigned long len;
	my_bool is_null;
	my_bool error;
	long long num;          /* integer columns */
	bool is_int;
	bool is_unsigned;
	char numtext[24];
};

struct db_stmt {
	struct db *db;
	const char *sql;        /* the cache key: compared by address */
	MYSQL_STMT *ms;         /* NULL until prepared on the current connection */
	unsigned nparams;
	MYSQL_BIND *params;
	struct db_param *pvals;
	bool bind_error;
	unsigned ncols;
	MYSQL_BIND *res;
	struct db_col *cols;
	bool has_result;
	bool in_use;
	struct db_stmt *next;
};

struct db {
	char *host, *socket, *user, *password, *name;
	unsigned port, connect_timeout, timeout;
	MYSQL *conn;
	pid_t pid;              /* the process that opened conn */
	bool in_tx;
	bool tx_lost;           /* the connection died inside the transaction */
	bool down;              /* last attempt failed: log recovery, not each failure */
	struct db_stmt *stmts;
};

static char *db__dup(const char *s, bool *oom)
{
	char *p;

	if (!s || !*s)
		return NULL;
	if (!(p = strdup(s)))
		*oom = true;
	return p;
}

/* Errors after which the connection cannot be trusted any more. */
static bool db__conn_broken(unsigned e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_UNKNOWN_HOST:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_HANDSHAKE_ERR:
	case CR_SERVER_LOST:
	case CR_COMMANDS_OUT_OF_SYNC:
	case CR_NET_PACKET_TOO_LARGE:
	case CR_SSL_CONNECTION_ERROR:
	case CR_MALFORMED_PACKET:
	case CR_SERVER_LOST_EXTENDED:
	case CR_ERR_NET_READ:
	case CR_ERR_NET_WRITE:
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_ABORTING_CONNECTION:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
	case ER_NET_PACKETS_OUT_OF_ORDER:
	case ER_CONNECTION_KILLED:
		return true;
	}
	return false;
}

static enum herr db__classify(unsigned e)
{
	switch (e) {
	case ER_DUP_ENTRY:
	case ER_ROW_IS_REFERENCED:
	case ER_ROW_IS_REFERENCED_2:
		return HERR_CONFLICT;
	case ER_NO_REFERENCED_ROW:
	case ER_NO_REFERENCED_ROW_2:
		return HERR_INVALID;
	/* A table or column the code needs is missing: migrations not run. */
	case ER_NO_SUCH_TABLE:
	case ER_BAD_FIELD_ERROR:
		return HERR_SCHEMA;
	/* Timed out inside a healthy connection; worth retrying later. */
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_STATEMENT_TIMEOUT:
	case ER_QUERY_INTERRUPTED:
		return HERR_UNAVAILABLE;
	case CR_OUT_OF_MEMORY:
		return HERR_NOMEM;
	/* Our bug or a garbled stream: the connection goes, but it is a 500. */
	case CR_COMMANDS_OUT_OF_SYNC:
	case CR_MALFORMED_PACKET:
		return HERR_INTERNAL;
	}
	return db__conn_broken(e) ? HERR_UNAVAILABLE : HERR_INTERNAL;
}

/* Close everything that belongs to the connection.  Wrappers stay. */
static void db__drop(struct db *db)
{
	for (struct db_stmt *st = db->stmts; st; st = st->next) {
		if (st->ms)
			mysql_stmt_close(st->ms);
		st->ms = NULL;
		st->has_result = false;
	}
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
	if (db->in_tx)
		db->tx_lost = true;
}

/*
 * A connection inherited across fork() belongs to the parent's session:
 * anything sent on it (even the COM_QUIT of mysql_close) would tear down or
 * interleave with the parent's conversation.  Point the descriptor at
 * /dev/null first, so the goodbyes go nowhere, then free the handles.
 */
static void db__abandon(struct db *db)
{
	if (db->conn) {
		int fd = (int)mysql_get_socket(db->conn);
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd >= 0 && nul >= 0)
			dup2(nul, fd);
		if (nul >= 0)
			close(nul);
	}
	db__drop(db);
	db->in_tx = false;
	db->tx_lost = false;
}

/*
 * Log and classify a failure; drop the connection when it is broken.
 * what names the statement (static SQL text, never carries input).
 */
static enum herr db__fail(struct db *db, unsigned e, const char *msg, const char *what)
{
	enum herr rc = db__classify(e);

	switch (rc) {
	case HERR_CONFLICT:
	case HERR_INVALID:
		LOG(LOG_DEBUG, "db: %u %s", e, msg);
		break;
	case HERR_SCHEMA:
		/* Expected before the first migration; the caller says more. */
		LOG(LOG_INFO, "db: %u %s", e, msg);
		break;
	case HERR_UNAVAILABLE:
		LOG(LOG_WARNING, "db: %u %s", e, msg);
		break;
	default:
		LOG(LOG_ERR, "db: %u %s [%.120s]", e, msg, what ? what : "");
		break;
	}
	if (db__conn_broken(e)) {
		db__drop(db);
		db->down = true;
	}
	return rc;
}

static enum herr db__connect(struct db *db)
{
	unsigned ct = db->connect_timeout, t = db->timeout, local_infile = 0;
	enum herr rc = HERR_UNAVAILABLE;
	MYSQL *m;
	char where[300];

	if (db->socket)
		snprintf(where, sizeof(where), "%s", db->socket);
	else
		snprintf(where, sizeof(where), "%s:%u", db->host ? db->host : "localhost", db->port);

	if (!(m = mysql_init(NULL))) {
		LOG(LOG_ERR, "db: mysql_init failed (out of memory)");
		return HERR_UNAVAILABLE;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
	if (db->socket) {
		unsigned proto = MYSQL_PROTOCOL_SOCKET;

		mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	}

	if (!mysql_real_connect(m, db->socket ? NULL : db->host, db->user, db->password,
				db->name, db->socket ? 0 : db->port, db->socket, 0)) {
		LOG(db->down ? LOG_DEBUG : LOG_ERR, "db: cannot connect to %s: %u %s",
		    where, mysql_errno(m), mysql_error(m));
		goto out;
	}
	if (mysql_real_query(m, db__session_sql, sizeof(db__session_sql) - 1)) {
		LOG(LOG_ERR, "db: setting up the session on %s: %u %s",
		    where, mysql_errno(m), mysql_error(m));
		goto out;
	}

	LOG(db->down ? LOG_NOTICE : LOG_DEBUG, "db: connected to %s", where);
	db->conn = m;
	m = NULL;
	db->pid = getpid();
	db->down = false;
	rc = HERR_OK;
out:
	if (m) {
		mysql_close(m);
		db->down = true;
	}
	return rc;
}

struct db *db_new(const struct db_options *opt)
{
	struct db *db = calloc(1, sizeof(*db));
	bool oom = false;

	if (!db)
		return NULL;
	db->host = db__dup(opt->host, &oom);
	db->socket = db__dup(opt->socket, &oom);
	db->user = db__dup(opt->user, &oom);
	db->password = db__dup(opt->password, &oom);
	db->name = db__dup(opt->name, &oom);
	db->port = opt->port;
	db->connect_timeout = opt->connect_timeout ? opt->connect_timeout : DB_DEFAULT_CONNECT_TIMEOUT;
	db->timeout = opt->timeout ? opt->timeout : DB_DEFAULT_TIMEOUT;
	if (oom) {
		db_free(db);
		return NULL;
	}
	return db;
}

void db_free(struct db *db)
{
	struct db_stmt *st, *next;

	if (!db)
		return;
	if (db->conn && db->pid != getpid())
		db__abandon(db);
	else
		db__drop(db);
	for (st = db->stmts; st; st = next) {
		next = st->next;
		for (unsigned i = 0; i < st->ncols; i++)
			free(st->cols[i].buf);
		free(st->cols);
		free(st->res);
		free(st->params);
		free(st->pvals);
		free(st);
	}
	if (db->password)
		explicit_bzero(db->password, strlen(db->password));
	free(db->host);
	free(db->socket);
	free(db->user);
	free(db->password);
	free(db->name);
	free(db);
}

/*
 * Between statements nothing is owed to us (results are always buffered),
 * so a readable or hung-up socket means the server went away or killed the
 * session while we were idle: a restart, wait_timeout, KILL.  Noticing it
 * here costs one poll() and turns what would be a failed statement into a
 * fresh connection.  (A peer that vanishes without a FIN is still caught,
 * by the read timeout.)
 */
static bool db__closed_by_server(struct db *db)
{
	struct pollfd pfd = {.fd = (int)mysql_get_socket(db->conn), .events = POLLIN | POLLRDHUP};

	if (pfd.fd < 0)
		return true;
	return poll(&pfd, 1, 0) != 0;
}

enum herr db_ensure(struct db *db)
{
	if (db->conn && db->pid != getpid())
		db__abandon(db);
	if (db->conn && db__closed_by_server(db)) {
		LOG(LOG_INFO, "db: the server closed the connection");
		db__drop(db);
	}
	/* Reconnecting now would run the rest of a transaction outside it;
	 * the caller must roll back first. */
	if (db->tx_lost)
		return HERR_UNAVAILABLE;
	if (db->conn)
		return HERR_OK;
	return db__connect(db);
}

enum herr db_ping(struct db *db)
{
	enum herr rc = db_ensure(db);

	if (rc != HERR_OK)
		return rc;
	if (mysql_ping(db->conn))
		return db__fail(db, mysql_errno(db->conn), mysql_error(db->conn), "ping");
	return HERR_OK;
}

void db_disconnect(struct db *db)
{
	if (db->conn && db->pid != getpid())
		db__abandon(db);
	else
		db__drop(db);
}

/* Run one statement without parameters; any result is read and thrown away. */
static enum herr db__query(struct db *db, const char *sql)
{
	MYSQL_RES *res;
	enum herr rc = db_ensure(db);

	if (rc != HERR_OK)
		return rc;
	if (mysql_real_query(db->conn, sql, strlen(sql)))
		return db__fail(db, mysql_errno(db->conn), mysql_error(db->conn), sql);
	if ((res = mysql_store_result(db->conn)))
		mysql_free_result(res);
	else if (mysql_errno(db->conn))
		return db__fail(db, mysql_errno(db->conn), mysql_error(db->conn), sql);
	return HERR_OK;
}

enum herr db_exec_static(struct db *db, const char *sql)
{
	return db__query(db, sql);
}

/* ---------------------------------------------------------------- statements */

static bool db__is_integer(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return true;
	default:
		return false;
	}
}

/* Size the parameter and column arrays; counts only change with the SQL. */
static enum herr db__size(struct db_stmt *st, unsigned nparams, unsigned ncols)
{
	if (nparams != st->nparams) {
		free(st->params);
		free(st->pvals);
		st->params = calloc(nparams ? nparams : 1, sizeof(*st->params));
		st->pvals = calloc(nparams ? nparams : 1, sizeof(*st->pvals));
		st->nparams = 0;
		if (!st->params || !st->pvals)
			return HERR_NOMEM;
		st->nparams = nparams;
	}
	if (ncols != st->ncols) {
		for (unsigned i = 0; i < st->ncols; i++)
			free(st->cols[i].buf);
		free(st->cols);
		free(st->res);
		st->cols = calloc(ncols ? ncols : 1, sizeof(*st->cols));
		st->res = calloc(ncols ? ncols : 1, sizeof(*st->res));
		st->ncols = 0;
		if (!st->cols || !st->res)
			return HERR_NOMEM;
		st->ncols = ncols;
	}
	return HERR_OK;
}

static enum herr db__stmt_prepare(struct db *db, struct db_stmt *st)
{
	MYSQL_STMT *ms;
	my_bool on = 1;
	enum herr rc;

	if (!(ms = mysql_stmt_init(db->conn)))
		return HERR_NOMEM;
	if (mysql_stmt_prepare(ms, st->sql, strlen(st->sql))) {
		unsigned e = mysql_stmt_errno(ms);
		char msg[MYSQL_ERRMSG_SIZE];

		snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(ms));
		mysql_stmt_close(ms);
		return db__fail(db, e, msg, st->sql);
	}
	mysql_stmt_attr_set(ms, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	rc = db__size(st, (unsigned)mysql_stmt_param_count(ms), mysql_stmt_field_count(ms));
	if (rc != HERR_OK) {
		mysql_stmt_close(ms);
		return rc;
	}
	st->ms = ms;
	return HERR_OK;
}

enum herr db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *st;
	enum herr rc;

	*out = NULL;
	if ((rc = db_ensure(db)) != HERR_OK)
		return rc;
	for (st = db->stmts; st && st->sql != sql; st = st->next)
		;
	if (!st) {
		if (!(st = calloc(1, sizeof(*st))))
			return HERR_NOMEM;
		st->db = db;
		st->sql = sql;
		st->next = db->stmts;
		db->stmts = st;
	}
	if (st->in_use) {
		LOG(LOG_ERR, "db: statement used twice at once [%.120s]", sql);
		return HERR_INTERNAL;
	}
	if (!st->ms && (rc = db__stmt_prepare(db, st)) != HERR_OK)
		return rc;
	for (unsigned i = 0; i < st->nparams; i++)
		st->pvals[i].set = false;
	st->bind_error = false;
	st->in_use = true;
	*out = st;
	return HERR_OK;
}

static MYSQL_BIND *db__param(struct db_stmt *st, unsigned idx)
{
	MYSQL_BIND *b;

	if (idx >= st->nparams) {
		LOG(LOG_ERR, "db: parameter %u of %u [%.120s]", idx, st->nparams, st->sql);
		st->bind_error = true;
		return NULL;
	}
	b = &st->params[idx];
	memset(b, 0, sizeof(*b));
	st->pvals[idx].set = true;
	return b;
}

void db_bind_int64(struct db_stmt *st, unsigned idx, int64_t v)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].num = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &st->pvals[idx].num;
}

void db_bind_bool(struct db_stmt *st, unsigned idx, bool v)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].flag = v ? 1 : 0;
	b->buffer_type = MYSQL_TYPE_TINY;
	b->buffer = &st->pvals[idx].flag;
}

static void db__bind_bytes(struct db_stmt *st, unsigned idx, enum enum_field_types type,
			   const void *p, size_t len)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].len = len;
	b->buffer_type = type;
	b->buffer = (void *)p;
	b->buffer_length = len;
	b->length = &st->pvals[idx].len;
}

void db_bind_text(struct db_stmt *st, unsigned idx, const char *s)
{
	if (s)
		db__bind_bytes(st, idx, MYSQL_TYPE_STRING, s, strlen(s));
	else
		db_bind_null(st, idx);
}

void db_bind_textn(struct db_stmt *st, unsigned idx, const char *s, size_t len)
{
	db__bind_bytes(st, idx, MYSQL_TYPE_STRING, s, len);
}

void db_bind_blob(struct db_stmt *st, unsigned idx, const void *p, size_t len)
{
	db__bind_bytes(st, idx, MYSQL_TYPE_BLOB, p, len);
}

void db_bind_null(struct db_stmt *st, unsigned idx)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (b)
		b->buffer_type = MYSQL_TYPE_NULL;
}

static bool db__grow(struct db_col *c, unsigned long want)
{
	char *p;

	if (c->cap >= want)
		return true;
	if (!(p = realloc(c->buf, want)))
		return false;
	c->buf = p;
	c->cap = want;
	return true;
}

/*
 * Point the result binds at our buffers: integers as 64-bit, everything
 * else as text sized from max_length (kept by STMT_ATTR_UPDATE_MAX_LENGTH),
 * with room for the terminating NUL.
 */
static enum herr db__bind_result(struct db_stmt *st)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st->ms);
	MYSQL_FIELD *f;
	enum herr rc = HERR_NOMEM;

	if (!meta)
		return db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
	if (db__size(st, st->nparams, mysql_num_fields(meta)) != HERR_OK)
		goto out;
	f = mysql_fetch_fields(meta);
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];
		MYSQL_BIND *b = &st->res[i];

		memset(b, 0, sizeof(*b));
		b->is_null = &c->is_null;
		b->error = &c->error;
		b->length = &c->len;
		c->is_int = db__is_integer(f[i].type);
		c->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
		if (c->is_int) {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &c->num;
			b->is_unsigned = c->is_unsigned;
		} else {
			unsigned long want = f[i].max_length + 1;

			if (!db__grow(c, want < 64 ? 64 : want))
				goto out;
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = c->buf;
			b->buffer_length = c->cap - 1;
		}
	}
	if (mysql_stmt_bind_result(st->ms, st->res)) {
		rc = db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
		goto out;
	}
	rc = HERR_OK;
out:
	mysql_free_result(meta);
	return rc;
}

enum herr db_execute(struct db_stmt *st)
{
	struct db *db = st->db;
	enum herr rc;
	unsigned e;

	if (!st->ms)
		return HERR_UNAVAILABLE;  /* the connection dropped under us */
	if (st->bind_error)
		return HERR_INTERNAL;
	for (unsigned i = 0; i < st->nparams; i++) {
		if (!st->pvals[i].set) {
			LOG(LOG_ERR, "db: parameter %u not bound [%.120s]", i, st->sql);
			return HERR_INTERNAL;
		}
	}
	if (st->has_result) {
		mysql_stmt_free_result(st->ms);
		st->has_result = false;
	}
	if ((st->nparams && mysql_stmt_bind_param(st->ms, st->params)) ||
	    mysql_stmt_execute(st->ms))
		goto fail;
	if (mysql_stmt_field_count(st->ms) > 0) {
		if (mysql_stmt_store_result(st->ms))
			goto fail;
		st->has_result = true;
		if ((rc = db__bind_result(st)) != HERR_OK)
			return rc;
	}
	return HERR_OK;
fail:
	e = mysql_stmt_errno(st->ms);
	rc = db__fail(db, e, mysql_stmt_error(st->ms), st->sql);
	/* A table changed shape under this cached statement (a migration ran
	 * meanwhile): prepare it afresh on its next use. */
	if (e == CR_NEW_STMT_METADATA && st->ms) {
		mysql_stmt_close(st->ms);
		st->ms = NULL;
		st->has_result = false;
	}
	return rc;
}

int db_fetch(struct db_stmt *st)
{
	bool rebind = false;
	int r;

	if (!st->ms || !st->has_result)
		return st->ms ? 0 : -1;
	r = mysql_stmt_fetch(st->ms);
	if (r == MYSQL_NO_DATA)
		return 0;
	if (r != 0 && r != MYSQL_DATA_TRUNCATED) {
		db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
		return -1;
	}
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];

		if (c->is_int || c->is_null)
			continue;
		if (c->len >= c->cap) {
			/* max_length was not known: fetch this column again, whole. */
			MYSQL_BIND b;

			if (!db__grow(c, c->len + 1)) {
				LOG(LOG_ERR, "db: out of memory for a %lu-byte column", c->len);
				return -1;
			}
			memset(&b, 0, sizeof(b));
			b.buffer_type = MYSQL_TYPE_STRING;
			b.buffer = c->buf;
			b.buffer_length = c->cap - 1;
			b.length = &c->len;
			b.is_null = &c->is_null;
			b.error = &c->error;
			if (mysql_stmt_fetch_column(st->ms, &b, i, 0)) {
				LOG(LOG_ERR, "db: refetching column %u: %s", i, mysql_stmt_error(st->ms));
				return -1;
			}
			st->res[i].buffer = c->buf;
			st->res[i].buffer_length = c->cap - 1;
			rebind = true;
		}
		c->buf[c->len] = '\0';
	}
	if (rebind && mysql_stmt_bind_result(st->ms, st->res)) {
		LOG(LOG_ERR, "db: rebinding result: %s", mysql_stmt_error(st->ms));
		return -1;
	}
	return 1;
}

bool db_col_is_null(struct db_stmt *st, unsigned idx)
{
	return idx >= st->ncols || st->cols[idx].is_null;
}

int64_t db_col_int64(struct db_stmt *st, unsigned idx)
{
	struct db_col *c;

	if (db_col_is_null(st, idx))
		return 0;
	c = &st->cols[idx];
	if (c->is_int)
		return (int64_t)c->num;
	return strtoll(c->buf, NULL, 10);
}

const char *db_col_text(struct db_stmt *st, unsigned idx, size_t *len)
{
	struct db_col *c;
	int n;

	if (len)
		*len = 0;
	if (db_col_is_null(st, idx))
		return NULL;
	c = &st->cols[idx];
	if (!c->is_int) {
		if (len)
			*len = c->len;
		return c->buf;
	}
	if (c->is_unsigned)
		n = snprintf(c->numtext, sizeof(c->numtext), "%llu", (unsigned long long)c->num);
	else
		n = snprintf(c->numtext, sizeof(c->numtext), "%lld", c->num);
	if (len)
		*len = (size_t)n;
	return c->numtext;
}

uint64_t db_affected_rows(struct db_stmt *st)
{
	return st->ms ? (uint64_t)mysql_stmt_affected_rows(st->ms) : 0;
}

uint64_t db_insert_id(struct db_stmt *st)
{
	return st->ms ? (uint64_t)mysql_stmt_insert_id(st->ms) : 0;
}

/*
 * Results are always buffered, so freeing the result is all a statement
 * needs before its next execution.  mysql_stmt_reset() would add a
 * COM_STMT_RESET round trip, which only long data and cursors (both unused
 * here) require.
 */
void db_done(struct db_stmt *st)
{
	if (!st)
		return;
	if (st->ms && st->has_result)
		mysql_stmt_free_result(st->ms);
	st->has_result = false;
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];

		if (c->cap > DB_KEEP_BUFFER) {
			free(c->buf);
			c->buf = NULL;
			c->cap = 0;
		}
	}
	st->in_use = false;
}

/* ---------------------------------------------------------------- transactions */

enum herr db_begin(struct db *db)
{
	enum herr rc;

	if (db->in_tx) {
		LOG(LOG_ERR, "db: transaction already open");
		return HERR_INTERNAL;
	}
	if ((rc = db__query(db, "START TRANSACTION")) != HERR_OK)
		return rc;
	db->in_tx = true;
	return HERR_OK;
}

enum herr db_commit(struct db *db)
{
	bool lost = db->tx_lost || !db->conn;

	if (!db->in_tx) {
		LOG(LOG_ERR, "db: commit without a transaction");
		return HERR_INTERNAL;
	}
	db->in_tx = false;
	db->tx_lost = false;
	if (lost)
		return HERR_UNAVAILABLE;
	if (mysql_commit(db->conn)) {
		enum herr rc = db__fail(db, mysql_errno(db->conn), mysql_error(db->conn), "COMMIT");

		/* Whatever the server kept of it must not leak into the next
		 * statement's autocommit. */
		if (db->conn && mysql_rollback(db->conn))
			db__drop(db);
		return rc;
	}
	return HERR_OK;
}

void db_rollback(struct db *db)
{
	bool lost = db->tx_lost || !db->conn;

	if (!db->in_tx)
		return;
	db->in_tx = false;
	db->tx_lost = false;
	if (lost)
		return;  /* the server rolled it back when the session ended */
	if (mysql_rollback(db->conn)) {
		LOG(LOG_WARNING, "db: rollback failed (%u %s); dropping the connection",
		    mysql_errno(db->conn), mysql_error(db->conn));
		/* Ending the session is a rollback the server cannot refuse. */
		db__drop(db);
	}
}

bool db_in_transaction(const struct db *db)
{
	return db->in_tx;
}
