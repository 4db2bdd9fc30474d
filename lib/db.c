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
#include "proc.h"

/* Timeouts of 0 would mean "wait forever" to Connector/C. */
#define DB_DEFAULT_CONNECT_TIMEOUT 2
#define DB_DEFAULT_TIMEOUT 2

/* The session every connection runs in: UTC (DATETIME columns hold UTC),
 * and strict, so bad data is an error rather than a silent truncation. */
static const char db__session_sql[] =
	"SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,"
	"ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'";

#include "db_private.h"

void (*db_error_hook)(enum herr kind);


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
enum herr db__fail(struct db *db, unsigned e, const char *msg, const char *what)
{
	enum herr rc = db__classify(e);

	/* The server has already rolled the whole transaction back. */
	if (e == ER_LOCK_DEADLOCK)
		db->deadlocked = true;
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
	if (db_error_hook && rc != HERR_CONFLICT && rc != HERR_INVALID)
		db_error_hook(rc);
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
		if (db_error_hook)
			db_error_hook(HERR_UNAVAILABLE);
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
	db->pid = proc_self();
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
	if (db->conn && db->pid != proc_self())
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
	if (db->conn && db->pid != proc_self())
		db__abandon(db);
	/* Looked at between transactions only: inside one, the connection
	 * answered its BEGIN moments ago, and a loss is found by the next
	 * statement (tx_lost) all the same.  A poll per statement is a system
	 * call per statement. */
	if (db->conn && !db->in_tx && db__closed_by_server(db)) {
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
	if (db->conn && db->pid != proc_self())
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

/* ---------------------------------------------------------------- transactions */

enum herr db_begin(struct db *db)
{
	enum herr rc;

	if (db->in_tx) {
		LOG(LOG_ERR, "db: transaction already open");
		return HERR_INTERNAL;
	}
	db->deadlocked = false;
	if ((rc = db__query(db, "START TRANSACTION")) != HERR_OK)
		return rc;
	db->in_tx = true;
	return HERR_OK;
}

bool db_deadlocked(const struct db *db)
{
	return db->deadlocked;
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
