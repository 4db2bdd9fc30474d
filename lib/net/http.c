/*
 * Outbound HTTP over one reused libcurl easy handle.
 *
 * The URL policy is applied twice: to the URL before anything happens,
 * and in the open-socket callback to each address curl is about to
 * connect to, after its own name resolution, so a name that resolves to
 * a denied address (or is re-pointed there later) is refused as well.
 * Proxies from the environment are switched off: through one, the address
 * checked would be the proxy's, not the destination's.
 *
 * Errors are composed here from curl's result code, never from the URL:
 * a Telegram URL carries the bot token.
 */
#include "net/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "proc.h"
#include "url_policy.h"

#define NET_CONNECT_TIMEOUT_MS 5000L
#define NET_TIMEOUT_MS 10000L

/* The process's state: set by net_init, or defaults on first use. */
static struct {
	bool policy_set;
	bool global_init;
	struct url_policy policy;
	long connect_timeout_ms;
	long timeout_ms;
	CURL *easy;
	pid_t easy_pid;         /* who made easy: a forked child makes its own */
} net;

/* One request's state, shared with curl's callbacks. */
struct net_call {
	struct net_response *rs;
	size_t cap;
	size_t max;             /* bytes of body kept */
	bool truncated;
	bool apply_policy;
	bool refused;           /* the open-socket callback said no */
	char refusal[NET_ERROR_MAX];
};

static void net__ensure_policy(void)
{
	if (!net.policy_set) {
		url_policy_defaults(&net.policy);
		net.connect_timeout_ms = NET_CONNECT_TIMEOUT_MS;
		net.timeout_ms = NET_TIMEOUT_MS;
		net.policy_set = true;
	}
}

int net_init(const struct url_policy *policy, long connect_timeout_ms, long timeout_ms)
{
	if (!net.global_init) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -1;
		net.global_init = true;
	}
	if (policy)
		net.policy = *policy;
	else
		url_policy_defaults(&net.policy);
	net.connect_timeout_ms =
		connect_timeout_ms > 0 ? connect_timeout_ms : NET_CONNECT_TIMEOUT_MS;
	net.timeout_ms = timeout_ms > 0 ? timeout_ms : NET_TIMEOUT_MS;
	net.policy_set = true;
	/* Connections kept from before were let through by the old policy. */
	if (net.easy && net.easy_pid == proc_self())
		curl_easy_cleanup(net.easy);
	net.easy = NULL;
	return 0;
}

int net_init_config(const struct hearth_config *cfg)
{
	struct url_policy policy;
	char why[192];

	if (config_url_policy(cfg, &policy, why, sizeof(why)) != 0) {
		LOG(LOG_ERR, "outbound policy: %s", why);
		return -1;
	}
	return net_init(&policy, cfg->outbound_connect_timeout_ms, cfg->outbound_timeout_ms);
}

void net_cleanup(void)
{
	if (net.easy && net.easy_pid == proc_self())
		curl_easy_cleanup(net.easy);
	net.easy = NULL;
	if (net.global_init)
		curl_global_cleanup();
	net.global_init = false;
}

const struct url_policy *net_policy(void)
{
	net__ensure_policy();
	return &net.policy;
}

bool net_response_ok(const struct net_response *rs)
{
	return rs && rs->status >= 200 && rs->status <= 299 && rs->error[0] == '\0';
}

void net_response_free(struct net_response *rs)
{
	if (!rs)
		return;
	free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
}

void net_response_error(struct net_response *rs, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t len, lead;

	va_start(ap, fmt);
	n = vsnprintf(rs->error, sizeof(rs->error), fmt, ap);
	va_end(ap);
	if (n < 0) {
		rs->error[0] = '\0';
		return;
	}
	len = strlen(rs->error);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)rs->error[i] < 0x20 || rs->error[i] == 0x7f)
			rs->error[i] = ' ';
	if ((size_t)n < sizeof(rs->error))
		return;
	/* Cut: drop a last character left without all its bytes. */
	lead = len;
	while (lead > 0 && ((unsigned char)rs->error[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && (unsigned char)rs->error[lead - 1] >= 0xc0) {
		unsigned char c = (unsigned char)rs->error[lead - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (len - (lead - 1) < need)
			rs->error[lead - 1] = '\0';
	}
}

/* ---------------------------------------------------------------- callbacks */

static curl_socket_t net__open_socket(void *user, curlsocktype purpose,
				      struct curl_sockaddr *address)
{
	struct net_call *call = user;
	curl_socket_t fd;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (call->apply_policy &&
	    url_policy_check_addr(&net.policy, &address->addr, call->refusal,
				  sizeof(call->refusal)) != 0) {
		call->refused = true;
		return CURL_SOCKET_BAD;
	}
	/* Close on exec: workers start ffmpeg and friends. */
	fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* Keep up to the request's body_max bytes; past that, stop the transfer
 * (the status has arrived, and nothing Hearth calls answers with more). */
static size_t net__write(char *data, size_t size, size_t nmemb, void *user)
{
	struct net_call *call = user;
	struct net_response *rs = call->rs;
	size_t n = size * nmemb, room = call->max - rs->body_len, take = n < room ? n : room;

	if (take > 0 && rs->body_len + take + 1 > call->cap) {
		size_t cap = call->cap ? call->cap : 4096;
		char *grown;

		while (cap < rs->body_len + take + 1)
			cap *= 2;
		if (cap > call->max + 1)
			cap = call->max + 1;
		grown = realloc(rs->body, cap);
		if (!grown)
			return 0;
		rs->body = grown;
		call->cap = cap;
	}
	if (take > 0) {
		memcpy(rs->body + rs->body_len, data, take);
		rs->body_len += take;
		rs->body[rs->body_len] = '\0';
	}
	if (take < n) {
		call->truncated = true;
		return 0;
	}
	return n;
}

/* ---------------------------------------------------------------- the call */

static CURL *net__handle(void)
{
	/* A handle inherited over fork() shares its connections with the
	 * parent: leave it alone (cleaning it up would close the parent's
	 * TLS sessions) and start afresh. */
	if (net.easy && net.easy_pid != proc_self())
		net.easy = NULL;
	if (!net.easy) {
		if (!net.global_init) {
			if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
				return NULL;
			net.global_init = true;
		}
		net.easy = curl_easy_init();
		net.easy_pid = proc_self();
	} else {
		curl_easy_reset(net.easy);
	}
	return net.easy;
}

static void net__duration(long ms, char *out, size_t outsz)
{
	if (ms % 1000 == 0)
		snprintf(out, outsz, "%ld s", ms / 1000);
	else
		snprintf(out, outsz, "%ld ms", ms);
}

/*
 * Whether curl's detail text may be shown: it names a certificate
 * problem or a host, but anything that could hold the URL (a scheme, or
 * the URL's path, where a Telegram token lives) is left out.
 */
static bool net__detail_safe(const char *detail, const char *url)
{
	const char *path = strstr(url, "://");

	if (!detail[0] || strstr(detail, "://"))
		return false;
	path = path ? strchr(path + 3, '/') : NULL;
	return !path || strlen(path) < 2 || !strstr(detail, path);
}

/* Why the transfer failed, in words that never include the URL. */
static enum herr net__failure(CURL *h, CURLcode cc, const struct net_call *call,
			      const char *url, long connect_ms, long total_ms, const char *detail)
{
	struct net_response *rs = call->rs;
	char d[32];
	curl_off_t elapsed_us = 0;

	if (call->refused) {
		net_response_error(rs, "%s", call->refusal);
		return HERR_INVALID;
	}
	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		net_response_error(rs, "out of memory");
		return HERR_NOMEM;
	case CURLE_COULDNT_RESOLVE_HOST:
		net_response_error(rs, "could not resolve the host name");
		return HERR_UNAVAILABLE;
	case CURLE_COULDNT_CONNECT:
		net_response_error(rs, "could not connect (%s)", curl_easy_strerror(cc));
		return HERR_UNAVAILABLE;
	case CURLE_OPERATION_TIMEDOUT:
		/* Which of the two clocks ran out: the connect timeout is the
		 * only one that can end the transfer well before the total. */
		(void)curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &elapsed_us);
		if (connect_ms < total_ms && elapsed_us / 1000 < (connect_ms + total_ms) / 2) {
			net__duration(connect_ms, d, sizeof(d));
			net_response_error(rs, "could not connect within %s", d);
		} else {
			net__duration(total_ms, d, sizeof(d));
			net_response_error(rs, "timed out after %s", d);
		}
		return HERR_UNAVAILABLE;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		net_response_error(rs, "not a valid http or https URL (%s)", curl_easy_strerror(cc));
		return HERR_INVALID;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		if (net__detail_safe(detail, url))
			net_response_error(rs, "TLS: %s", detail);
		else
			net_response_error(rs, "TLS: %s", curl_easy_strerror(cc));
		return HERR_UNAVAILABLE;
	default:
		net_response_error(rs, "%s", curl_easy_strerror(cc));
		return HERR_UNAVAILABLE;
	}
}

/* CURLOPT_HTTPHEADER for rq: its content type, its extra headers, and no
 * "Expect: 100-continue" (a second's wait for servers that ignore it). */
static int net__headers(const struct net_request *rq, struct curl_slist **out)
{
	struct curl_slist *list = NULL, *next;
	char line[256];

	next = curl_slist_append(list, "Expect:");
	if (!next)
		goto fail;
	list = next;
	if (rq->content_type) {
		if ((size_t)snprintf(line, sizeof(line), "Content-Type: %s", rq->content_type) >=
		    sizeof(line))
			goto fail;
		next = curl_slist_append(list, line);
		if (!next)
			goto fail;
		list = next;
	}
	for (size_t i = 0; rq->headers && rq->headers[i]; i++) {
		next = curl_slist_append(list, rq->headers[i]);
		if (!next)
			goto fail;
		list = next;
	}
	*out = list;
	return 0;
fail:
	curl_slist_free_all(list);
	return -1;
}

/* Header values come from configuration and callers: no line breaks,
 * which would let one value write further headers. */
static bool net__header_safe(const char *s)
{
	return !s || strpbrk(s, "\r\n") == NULL;
}

enum herr net_http(const struct net_request *rq, struct net_response *rs)
{
	struct net_call call = { .rs = rs, .max = rq->body_max ? rq->body_max : NET_BODY_MAX };
	struct curl_slist *headers = NULL;
	const char *method;
	char detail[CURL_ERROR_SIZE];
	long connect_ms, total_ms;
	enum herr rv = HERR_INTERNAL;
	CURLcode cc;
	CURL *h;

	memset(rs, 0, sizeof(*rs));
	net__ensure_policy();
	if (!rq || !rq->url) {
		net_response_error(rs, "no URL");
		return HERR_INVALID;
	}
	method = rq->method ? rq->method : "GET";
	call.apply_policy = rq->unix_socket == NULL;
	if (call.apply_policy &&
	    url_policy_check_url(&net.policy, rq->url, rs->error, sizeof(rs->error)) != 0)
		return HERR_INVALID;
	if (!net__header_safe(rq->content_type) || !net__header_safe(rq->bearer) ||
	    strpbrk(method, "\r\n ") != NULL) {
		net_response_error(rs, "a header contains a line break");
		return HERR_INVALID;
	}
	for (size_t i = 0; rq->headers && rq->headers[i]; i++) {
		if (!net__header_safe(rq->headers[i])) {
			net_response_error(rs, "a header contains a line break");
			return HERR_INVALID;
		}
	}

	h = net__handle();
	if (!h) {
		net_response_error(rs, "libcurl did not start");
		return HERR_NOMEM;
	}
	if (net__headers(rq, &headers) != 0) {
		net_response_error(rs, "out of memory");
		return HERR_NOMEM;
	}
	connect_ms = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : net.connect_timeout_ms;
	total_ms = rq->timeout_ms > 0 ? rq->timeout_ms : net.timeout_ms;
	detail[0] = '\0';

	cc = curl_easy_setopt(h, CURLOPT_URL, rq->url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
				      (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, net__open_socket);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &call);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, net__write);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &call);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_USERAGENT, "Hearth");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, rq->insecure_tls ? 0L : 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, rq->insecure_tls ? 0L : 2L);
	if (cc == CURLE_OK && rq->unix_socket)
		cc = curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, rq->unix_socket);
	if (cc == CURLE_OK && rq->bearer) {
		cc = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, rq->bearer);
	}
	if (cc == CURLE_OK) {
		if (rq->body) {
			cc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
			if (cc == CURLE_OK)
				cc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
			if (cc == CURLE_OK && strcmp(method, "POST") != 0)
				cc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		} else if (strcmp(method, "HEAD") == 0) {
			cc = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		} else if (strcmp(method, "GET") != 0) {
			cc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		}
	}
	if (cc != CURLE_OK) {
		net_response_error(rs, "cannot set up the request (%s)", curl_easy_strerror(cc));
		rv = cc == CURLE_OUT_OF_MEMORY ? HERR_NOMEM : HERR_INTERNAL;
		goto out;
	}

	cc = curl_easy_perform(h);
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && call.truncated && rs->status > 0)) {
		if (cc == CURLE_WRITE_ERROR && !call.truncated) {
			net_response_error(rs, "out of memory");
			rv = HERR_NOMEM;
		} else {
			rv = net__failure(h, cc, &call, rq->url, connect_ms, total_ms, detail);
		}
		/* A transfer that broke off leaves no response to judge. */
		rs->status = 0;
		free(rs->body);
		rs->body = NULL;
		rs->body_len = 0;
		goto out;
	}
	if (!rs->body) {
		rs->body = malloc(1);
		if (!rs->body) {
			net_response_error(rs, "out of memory");
			rv = HERR_NOMEM;
			goto out;
		}
		rs->body[0] = '\0';
	}
	rs->truncated = call.truncated;
	if (rs->status < 200 || rs->status > 299)
		net_response_error(rs, "HTTP %ld", rs->status);
	rv = HERR_OK;
out:
	/* The handle outlives this call: nothing in it may point at our
	 * stack or at the caller's strings. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, NULL);
	curl_slist_free_all(headers);
	return rv;
}
