#ifndef HEARTH_NET_HTTP_H
#define HEARTH_NET_HTTP_H

/*
 * Outbound HTTP: every call Hearth makes to the world goes through
 * net_http(), over libcurl, with:
 *   - a connect timeout and a total timeout (never a hang);
 *   - TLS verification on unless the request says otherwise;
 *   - http and https only, redirects not followed;
 *   - the URL policy (url_policy.h) on the URL and on every address
 *     actually connected to (an open-socket callback);
 *   - a bounded response body.
 *
 * One easy handle per process is kept and reused (connections are reused
 * across calls to the same host); processes are single-threaded.  Error
 * texts never contain the URL: URLs carry secrets (a Telegram bot token
 * is part of its path).
 */
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct hearth_config;
struct url_policy;

#define NET_ERROR_MAX 256
#define NET_BODY_MAX (256 * 1024)   /* bytes of a response kept */

struct net_request {
	const char *method;            /* "GET", "POST", ... (NULL = GET) */
	const char *url;
	const char *content_type;      /* NULL = none (no body) */
	const char *body;              /* NULL = none */
	size_t body_len;
	const char *bearer;            /* Authorization: Bearer ...; NULL = none */
	const char *const *headers;    /* extra "Name: value", NULL-terminated; may be NULL */
	long connect_timeout_ms;       /* 0 = the [outbound] default */
	long timeout_ms;               /* 0 = the [outbound] default */
	bool insecure_tls;             /* skip certificate verification (HA with a
	                                * self-signed certificate, when configured) */
	const char *unix_socket;       /* connect here instead of the URL's host
	                                * (the nchan publisher); NULL = no.  The
	                                * URL policy does not apply to it. */
	size_t body_max;               /* bytes of the response kept; 0 = NET_BODY_MAX
	                                * (HA's list of states is larger) */
};

struct net_response {
	long status;                   /* HTTP status; 0 when none arrived */
	char *body;                    /* NUL-terminated, at most body_max bytes; malloc'd */
	size_t body_len;
	bool truncated;                /* the body was longer than body_max and was cut */
	char error[NET_ERROR_MAX];     /* why, when not HERR_OK or not 2xx */
};

/*
 * Process-wide set-up: curl_global_init, and the defaults (timeouts, the
 * policy) for requests that leave them 0.  Call once at start; policy is
 * copied.  0, or -1 when libcurl cannot start.
 */
int net_init(const struct url_policy *policy, long connect_timeout_ms, long timeout_ms);
void net_cleanup(void);

/* net_init() from cfg's [outbound] section (the lists in it were checked
 * by config_load). */
int net_init_config(const struct hearth_config *cfg);

/* The process's policy (net_init's copy). */
const struct url_policy *net_policy(void);

/*
 * Make the request.  HERR_OK when a response arrived, whatever its status
 * (rs->status; rs->error says "HTTP 500" etc. when it is not 2xx);
 * HERR_INVALID when the policy refuses the URL or an address (rs->error
 * says why); HERR_UNAVAILABLE on connection failure or timeout;
 * HERR_NOMEM.  rs is always initialised: free it with net_response_free().
 */
enum herr net_http(const struct net_request *rq, struct net_response *rs);

/* True when rs holds a 2xx, and no client on top of net_http() (such as
 * telegram_send, for a 200 whose "ok" is false) noted a refusal in
 * rs->error. */
bool net_response_ok(const struct net_response *rs);

void net_response_free(struct net_response *rs);

/*
 * Set rs->error, printf-style.  Control characters become spaces and a
 * message cut to fit ends on a whole UTF-8 character, so text quoted
 * from a server's reply is safe to log and to put in JSON.
 */
__attribute__((format(printf, 2, 3)))
void net_response_error(struct net_response *rs, const char *fmt, ...);

#endif
