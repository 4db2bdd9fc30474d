#ifndef HEARTH_REQUEST_H
#define HEARTH_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A request as the API sees it, free of FastCGI: worker.c fills it from
 * FCGX params, tests and fuzzers fill it by hand.  All strings borrowed
 * from whoever built it; absent headers are NULL.
 */
struct request {
	const char *method;         /* "GET" */
	const char *path;           /* "/api/v1/rooms/3", no query string */
	const char *query;          /* "limit=10&cursor=..." or "" */
	const char *content_type;
	const char *api_key;        /* X-API-Key */
	const char *webhook_secret; /* X-Webhook-Secret */
	const char *authorization;  /* Authorization */
	const char *cookie;
	const char *origin;         /* Origin */
	const char *referer;        /* Referer */
	const char *host;           /* the site's host name, without port (nginx's $host) */
	const char *server_port;    /* the port nginx took the request on */
	const char *csrf;           /* X-Hearth-Request: the dashboard sends it on writes */
	const char *user_agent;
	const char *remote_addr;
	const char *request_id;     /* X-Request-Id from nginx, for logs */
	const char *accept;         /* Accept */
	const char *if_none_match;  /* If-None-Match */
	const char *mcp_session;    /* Mcp-Session-Id (POST /mcp) */
	const char *mcp_protocol;   /* MCP-Protocol-Version (POST /mcp) */
	const char *body;           /* may be NULL when body_len == 0 */
	size_t body_len;
	bool body_too_large;        /* Content-Length beyond api.max_body_bytes */
	/* A credential of one kind given more than once: two X-API-Key or
	 * two Authorization headers, or api_key twice in the query.  Which
	 * one is meant is not for the API to guess (400). */
	bool credential_repeated;
	/*
	 * A body left unread for the handler (a multipart/form-data upload to
	 * a ROUTE_STREAM_BODY route): body is then NULL and body_read reads
	 * the next bytes of the stream_len in all into buf, returning how many
	 * (0 at the end) or -1 when the body ended early.  NULL otherwise.
	 */
	ssize_t (*body_read)(void *stream, char *buf, size_t len);
	void *body_stream;
	uint64_t body_stream_len;
};

/* The session cookie (handlers.h names it SESSION_COOKIE too). */
#define REQUEST_SESSION_COOKIE "hearth_session"

/*
 * The session cookie's value from a Cookie header into buf (bufsz bytes):
 * 2 when it is there once, 0 when not at all, -1 when it is there twice
 * (a planted cookie beside the real one) or does not fit.  cookie may be
 * NULL.
 */
int request_session_cookie(const char *cookie, char *buf, size_t bufsz);

/*
 * Whether url (an Origin, or with referer a Referer) names the site req
 * was made to: https, nginx's host name and, unless it is 443, its port.
 */
bool request_same_site(const struct request *req, const char *url, bool referer);

/* Split a REQUEST_URI into path and query: path_out gets the part before
 * '?' (NUL-terminated, truncated never: -1 when it does not fit). */
int request_split_uri(const char *uri, char *path_out, size_t pathsz, const char **query);

#endif
