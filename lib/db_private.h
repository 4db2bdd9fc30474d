#ifndef HEARTH_DB_PRIVATE_H
#define HEARTH_DB_PRIVATE_H

/*
 * Inside lib/ only: what db.c (the connection, transactions) and
 * db_stmt.c (prepared statements) share.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <mysql.h>

#include "db.h"

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
	bool deadlocked;        /* a statement of this transaction lost a deadlock */
	struct db_stmt *stmts;
	uint64_t last_changes;  /* of the last db_exec() */
	uint64_t last_id;
};

/*
 * Log and classify a failure; drop the connection when it is broken.
 * what names the statement (static SQL text, never carries input).
 */
enum herr db__fail(struct db *db, unsigned e, const char *msg, const char *what);

#endif
