/*
 * Home Assistant's WebSocket API on libwebsockets.
 *
 * One lws context per connection, serviced only from the calls below:
 * each call schedules a wake-up at its deadline and runs lws_service()
 * until what it waits for has arrived, the deadline has passed or the
 * connection is gone.  The protocol callback only moves bytes: it
 * reassembles a message from its fragments (up to HA_ANSWER_MAX), hands it
 * to ha__dispatch, and writes the one message waiting to go out.
 */
#include "net/ha_ws.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libwebsockets.h>

#include "config.h"
#include "log.h"
#include "net/ha.h"
#include "net/ha_ws_msg.h"
#include "net/http.h"
#include "url_policy.h"

#define HA_WS_WHY_MAX 256
#define HA_WS_RX_CHUNK 65536
#define HA_WS_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

enum ha_ws_state {
	HA_WS_CONNECTING,
	HA_WS_OPEN,             /* upgraded; authenticated once authed is set */
	HA_WS_CLOSED,
};

struct ha_ws {
	struct lws_context *ctx;
	struct lws *wsi;
	enum ha_ws_state state;
	bool asked;                     /* auth_required arrived */
	bool authed;
	long timeout_ms;
	char why[HA_WS_WHY_MAX];        /* why the connection closed */
	char version[HA_WS_TEXT_MAX];

	/* a message being reassembled */
	char *rx;
	size_t rx_len, rx_cap;
	bool rx_too_big;

	/* the one message waiting to be written (LWS_PRE bytes of room first) */
	unsigned char *tx;
	size_t tx_len;

	long long next_id;
	long long waiting_id;           /* the command waiting for its answer; 0 = none */
	json_t *answer;                 /* its answer when it came (the whole message) */
	bool oversize;                  /* a message too large to read came meanwhile:
	                                 * most likely that answer */

	json_t *events;                 /* queued "event" objects, oldest first */
	unsigned long dropped;

	lws_sorted_usec_list_t wake;
};

/* ---------------------------------------------------------------- helpers */

__attribute__((format(printf, 3, 4)))
static void ha_ws__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	/* Text from the server or the library may hold anything. */
	for (char *p = why; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
}

/* Mark the connection lost, keeping the first reason given. */
__attribute__((format(printf, 2, 3)))
static void ha_ws__lost(struct ha_ws *ws, const char *fmt, ...)
{
	char text[HA_WS_WHY_MAX];
	va_list ap;

	if (ws->state != HA_WS_CLOSED && !ws->why[0]) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		ha_ws__why(ws->why, sizeof(ws->why), "%s", text);
	}
	ws->state = HA_WS_CLOSED;
}

static long long ha_ws__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The reason of the last certificate check that failed ("self-signed
 * certificate"), which libwebsockets only logs. */
static char ha_ws_tls_error[128];

/* libwebsockets' own log lines: Hearth's log at info (Hearth reports the
 * failures it cares about itself, in its own words). */
static void ha_ws__lws_log(int level, const char *line)
{
	size_t n = strlen(line);
	const char *tls = strstr(line, "SSL error: ");

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	LOG(level == LLL_ERR ? LOG_INFO : LOG_DEBUG, "libwebsockets: %.*s", (int)n, line);
	if (tls) {
		size_t len;

		tls += strlen("SSL error: ");
		len = strcspn(tls, "(\r\n");
		while (len > 0 && tls[len - 1] == ' ')
			len--;
		snprintf(ha_ws_tls_error, sizeof(ha_ws_tls_error), "%.*s", (int)len, tls);
	}
}

/* ---------------------------------------------------------------- receiving */

static void ha_ws__queue_event(struct ha_ws *ws, json_t *event)
{
	if (json_array_size(ws->events) >= HA_WS_QUEUE_MAX) {
		if (ws->dropped++ == 0)
			LOG(LOG_WARNING, "Home Assistant events arrive faster than they are "
			    "handled: dropping the oldest");
		json_array_remove(ws->events, 0);
	}
	json_array_append(ws->events, event);
}

/* Queue text to be written; the writable callback sends it. */
static int ha_ws__send_text(struct ha_ws *ws, const char *text)
{
	size_t n = strlen(text);
	unsigned char *buf;

	if (ws->tx) {
		/* One message at a time: the caller waits for each. */
		ha_ws__lost(ws, "internal error: a message was still waiting to be sent");
		return -1;
	}
	buf = malloc(LWS_PRE + n + 1);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, text, n);
	ws->tx = buf;
	ws->tx_len = n;
	if (ws->wsi)
		lws_callback_on_writable(ws->wsi);
	return 0;
}

static void ha_ws__send_auth(struct ha_ws *ws, const char *token)
{
	json_t *auth = json_pack("{s:s, s:s}", "type", "auth", "access_token", token);
	char *text = auth ? json_dumps(auth, JSON_COMPACT) : NULL;

	json_decref(auth);
	if (!text || ha_ws__send_text(ws, text) != 0)
		ha_ws__lost(ws, "out of memory");
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
}

/* One message HA sent, classified and acted on. */
static void ha_ws__dispatch(struct ha_ws *ws, json_t *obj)
{
	struct ha_ws_msg m;

	ha_ws_msg_classify(obj, &m);
	switch (m.kind) {
	case HA_WS_AUTH_REQUIRED:
		ws->asked = true;
		snprintf(ws->version, sizeof(ws->version), "%s", m.text);
		break;
	case HA_WS_AUTH_OK:
		ws->authed = true;
		break;
	case HA_WS_AUTH_INVALID:
		ha_ws__lost(ws, "Home Assistant refused the token (auth_invalid: %s)", m.text);
		break;
	case HA_WS_RESULT:
	case HA_WS_PONG:
		if (m.id == ws->waiting_id && !ws->answer)
			ws->answer = json_incref(obj);
		else
			LOG(LOG_DEBUG, "Home Assistant answered command %lld, not waited for", m.id);
		break;
	case HA_WS_EVENT:
		ha_ws__queue_event(ws, m.event);
		break;
	case HA_WS_INVALID:
		LOG(LOG_WARNING, "Home Assistant sent a message Hearth cannot read: %s", m.text);
		break;
	case HA_WS_OTHER:
		LOG(LOG_DEBUG, "Home Assistant sent a message of a type Hearth ignores");
		break;
	}
	ha_ws_msg_clear(&m);
}

/* A whole message has arrived in ws->rx. */
static void ha_ws__message(struct ha_ws *ws)
{
	char why[HA_WS_WHY_MAX];
	json_t *msgs = NULL;
	size_t i;
	json_t *one;

	if (ha_ws_msg_split(ws->rx, ws->rx_len, &msgs, why, sizeof(why)) != 0) {
		LOG(LOG_WARNING, "Home Assistant sent a message Hearth cannot read: %s", why);
		return;
	}
	json_array_foreach(msgs, i, one)
		ha_ws__dispatch(ws, one);
	json_decref(msgs);
}

static void ha_ws__receive(struct ha_ws *ws, struct lws *wsi, const void *in, size_t len)
{
	if (!ws->rx_too_big) {
		if (ws->rx_len + len > HA_ANSWER_MAX) {
			ws->rx_too_big = true;
		} else if (ws->rx_len + len + 1 > ws->rx_cap) {
			size_t cap = ws->rx_cap ? ws->rx_cap : HA_WS_RX_CHUNK;
			char *grown;

			while (cap < ws->rx_len + len + 1)
				cap *= 2;
			grown = realloc(ws->rx, cap);
			if (!grown) {
				ha_ws__lost(ws, "out of memory");
				return;
			}
			ws->rx = grown;
			ws->rx_cap = cap;
		}
		if (!ws->rx_too_big && len > 0) {
			memcpy(ws->rx + ws->rx_len, in, len);
			ws->rx_len += len;
		}
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return;

	if (ws->rx_too_big) {
		LOG(LOG_WARNING, "Home Assistant sent a message larger than %d MiB: skipped",
		    HA_ANSWER_MAX / (1024 * 1024));
		if (ws->waiting_id)
			ws->oversize = true;
	}
	else if (lws_frame_is_binary(wsi))
		LOG(LOG_DEBUG, "Home Assistant sent a binary message: skipped");
	else
		ha_ws__message(ws);
	ws->rx_len = 0;
	ws->rx_too_big = false;
	/* A registry list grows the buffer to megabytes: don't keep it. */
	if (ws->rx_cap > 4 * HA_WS_RX_CHUNK) {
		free(ws->rx);
		ws->rx = NULL;
		ws->rx_cap = 0;
	}
}

/* ---------------------------------------------------------------- the callback */

static int ha_ws__callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			   void *in, size_t len)
{
	struct ha_ws *ws = lws_context_user(lws_get_context(wsi));

	if (!ws)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		/* An HTTP answer instead of the upgrade says more than the
		 * library's text ("HS: ws upgrade response not 101"). */
		unsigned status = wsi ? lws_http_client_http_response(wsi) : 0;

		if (status > 0 && status != 101)
			ha_ws__lost(ws, "Home Assistant answered HTTP %u to the WebSocket upgrade",
				    status);
		else if (ha_ws_tls_error[0])
			ha_ws__lost(ws, "cannot connect to Home Assistant's WebSocket API: its "
				    "certificate was refused: %s ([homeassistant] verify_tls = false "
				    "skips the check)", ha_ws_tls_error);
		else
			ha_ws__lost(ws, "cannot connect to Home Assistant's WebSocket API: %.*s",
				    in ? (int)strnlen(in, 160) : 7, in ? (const char *)in : "unknown");
		ws->wsi = NULL;
		break;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		ws->state = HA_WS_OPEN;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		ha_ws__receive(ws, wsi, in, len);
		/* A refused token: HA closes; so do we, at once. */
		return ws->state == HA_WS_CLOSED ? -1 : 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (ws->tx) {
			int n = lws_write(wsi, ws->tx + LWS_PRE, ws->tx_len, LWS_WRITE_TEXT);

			explicit_bzero(ws->tx + LWS_PRE, ws->tx_len);
			free(ws->tx);
			ws->tx = NULL;
			if (n < 0 || (size_t)n < ws->tx_len) {
				ha_ws__lost(ws, "cannot send to Home Assistant: the connection broke");
				return -1;
			}
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *p = in;
			int code = (p[0] << 8) | p[1];

			ha_ws__lost(ws, "Home Assistant closed the connection (%d%s%.*s)", code,
				    len > 2 ? ": " : "", (int)(len > 2 ? (len - 2 > 120 ? 120 : len - 2) : 0),
				    (const char *)in + 2);
		} else {
			ha_ws__lost(ws, "Home Assistant closed the connection");
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		ha_ws__lost(ws, "Home Assistant closed the connection");
		ws->wsi = NULL;
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (ws->wsi == wsi)
			ws->wsi = NULL;
		if (ws->state != HA_WS_CLOSED)
			ha_ws__lost(ws, "the connection to Home Assistant ended");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols ha_ws_protocols[] = {
	{ "hearth-ha", ha_ws__callback, 0, HA_WS_RX_CHUNK, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---------------------------------------------------------------- servicing */

static void ha_ws__wake(lws_sorted_usec_list_t *sul)
{
	(void)sul;              /* its firing ends lws_service(); nothing to do */
}

/*
 * Service the connection until done(ws), the connection is lost, or
 * deadline (ha_ws__now_ms() clock) passes: 0, or -1 (why set when the
 * deadline passed; ws->why says how the connection was lost).
 */
static int ha_ws__wait(struct ha_ws *ws, bool (*done)(const struct ha_ws *),
		       long long deadline, const char *what, char *why, size_t whylen)
{
	while (!done(ws)) {
		long long left = deadline - ha_ws__now_ms();

		if (ws->state == HA_WS_CLOSED) {
			ha_ws__why(why, whylen, "%s", ws->why[0] ? ws->why
						      : "the connection to Home Assistant ended");
			return -1;
		}
		if (left <= 0) {
			ha_ws__why(why, whylen, "timed out after %.3g s waiting for %s",
				   (double)ws->timeout_ms / 1000.0, what);
			return -1;
		}
		lws_sul_schedule(ws->ctx, 0, &ws->wake, ha_ws__wake, (lws_usec_t)left * 1000);
		if (lws_service(ws->ctx, 0) < 0) {
			ha_ws__lost(ws, "the connection to Home Assistant failed");
		}
	}
	lws_sul_cancel(&ws->wake);
	return 0;
}

static bool ha_ws__authed(const struct ha_ws *ws)
{
	return ws->authed;
}

static bool ha_ws__answered(const struct ha_ws *ws)
{
	return ws->answer != NULL || ws->oversize;
}

static bool ha_ws__has_event(const struct ha_ws *ws)
{
	return json_array_size(ws->events) > 0;
}

/* ---------------------------------------------------------------- connecting */

struct ha_ws_target {
	bool tls;
	char *host;             /* as in the URL ([...] for IPv6); curl's */
	char *path;             /* the URL's path without its trailing '/'; curl's */
	int port;
	char address[NI_MAXHOST];   /* the numeric address allowed */
	char ws_path[CONFIG_STR + 16];
};

static void ha_ws__target_free(struct ha_ws_target *t)
{
	curl_free(t->host);
	curl_free(t->path);
}

/* Parse [homeassistant] url and pick the address to connect to: the
 * first that the outbound policy allows. */
static int ha_ws__target(const struct hearth_config *cfg, struct ha_ws_target *t, char *why,
			 size_t whylen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *port = NULL;
	struct addrinfo hints = { 0 }, *res = NULL, *a;
	char host[NI_MAXHOST], refusal[HA_WS_WHY_MAX] = "";
	size_t hlen, plen;
	int rv = -1, gai;

	if (url_policy_check_url(net_policy(), cfg->ha_url, refusal, sizeof(refusal)) != 0) {
		ha_ws__why(why, whylen, "the outbound policy refuses [homeassistant] url: %s",
			   refusal);
		goto out;
	}
	if (!u || curl_url_set(u, CURLUPART_URL, cfg->ha_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &t->host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &t->path, 0) != CURLUE_OK) {
		ha_ws__why(why, whylen, "[homeassistant] url is not a URL Hearth can use");
		goto out;
	}
	t->tls = strcmp(scheme, "https") == 0;
	t->port = (int)strtol(port, NULL, 10);
	plen = strlen(t->path);
	while (plen > 0 && t->path[plen - 1] == '/')
		plen--;
	snprintf(t->ws_path, sizeof(t->ws_path), "%.*s/api/websocket", (int)plen, t->path);

	hlen = strlen(t->host);
	if (t->host[0] == '[' && hlen > 2)
		snprintf(host, sizeof(host), "%.*s", (int)(hlen - 2), t->host + 1);
	else
		snprintf(host, sizeof(host), "%s", t->host);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		ha_ws__why(why, whylen, "cannot resolve Home Assistant's host: %s",
			   gai_strerror(gai));
		goto out;
	}
	refusal[0] = '\0';
	for (a = res; a; a = a->ai_next) {
		char other[HA_WS_WHY_MAX];

		/* The first refusal is the one reported. */
		if (url_policy_check_addr(net_policy(), a->ai_addr,
					  refusal[0] ? other : refusal,
					  refusal[0] ? sizeof(other) : sizeof(refusal)) != 0)
			continue;
		if (getnameinfo(a->ai_addr, a->ai_addrlen, t->address, sizeof(t->address), NULL,
				0, NI_NUMERICHOST) == 0) {
			rv = 0;
			goto out;
		}
	}
	ha_ws__why(why, whylen, "the outbound policy refuses Home Assistant's address: %s",
		   refusal[0] ? refusal : "no usable address");
out:
	if (res)
		freeaddrinfo(res);
	curl_free(scheme);
	curl_free(port);
	curl_url_cleanup(u);
	return rv;
}

struct ha_ws *ha_ws_connect(const struct hearth_config *cfg, char *why, size_t whylen)
{
	static bool log_set;
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	struct ha_ws_target t = { 0 };
	struct ha_ws *ws = NULL;
	long long deadline;
	unsigned timeout_s;

	if (!ha_configured(cfg)) {
		ha_ws__why(why, whylen,
			   "Home Assistant is not configured ([homeassistant] url and token)");
		return NULL;
	}
	if (ha_ws__target(cfg, &t, why, whylen) != 0)
		goto fail;
	ha_ws_tls_error[0] = '\0';
	if (!log_set) {
		lws_set_log_level(LLL_ERR | LLL_WARN, ha_ws__lws_log);
		log_set = true;
	}
	ws = calloc(1, sizeof(*ws));
	if (!ws || !(ws->events = json_array())) {
		ha_ws__why(why, whylen, "out of memory");
		goto fail;
	}
	ws->timeout_ms = cfg->ha_timeout_ms > 0 ? cfg->ha_timeout_ms : 10000;
	ws->next_id = 1;
	timeout_s = (unsigned)((ws->timeout_ms + 999) / 1000);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ha_ws_protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = ws;
	info.timeout_secs = timeout_s;
	info.connect_timeout_secs = timeout_s;
	if (t.tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		if (cfg->ha_verify_tls && access(HA_WS_CA_BUNDLE, R_OK) == 0)
			info.client_ssl_ca_filepath = HA_WS_CA_BUNDLE;
	}
	ws->ctx = lws_create_context(&info);
	if (!ws->ctx) {
		ha_ws__why(why, whylen, "cannot set up the WebSocket client (libwebsockets)");
		goto fail;
	}

	memset(&cc, 0, sizeof(cc));
	cc.context = ws->ctx;
	cc.address = t.address;
	cc.port = t.port;
	cc.path = t.ws_path;
	cc.host = t.host;
	cc.origin = t.host;
	cc.local_protocol_name = ha_ws_protocols[0].name;
	cc.pwsi = &ws->wsi;
	if (t.tls) {
		cc.ssl_connection = LCCSCF_USE_SSL;
		if (!cfg->ha_verify_tls)
			cc.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
					     LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					     LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	deadline = ha_ws__now_ms() + ws->timeout_ms;
	if (!lws_client_connect_via_info(&cc) && ws->state != HA_WS_CLOSED)
		ha_ws__lost(ws, "cannot connect to Home Assistant's WebSocket API");

	/* auth_required comes first; the answer to auth after it. */
	while (ws->state != HA_WS_CLOSED && !ws->asked) {
		if (ha_ws__now_ms() >= deadline)
			break;
		lws_sul_schedule(ws->ctx, 0, &ws->wake, ha_ws__wake,
				 (lws_usec_t)(deadline - ha_ws__now_ms()) * 1000);
		lws_service(ws->ctx, 0);
	}
	if (ws->state == HA_WS_OPEN && ws->asked && !ws->authed)
		ha_ws__send_auth(ws, cfg->ha_token);
	if (ha_ws__wait(ws, ha_ws__authed, deadline,
			ws->asked ? "auth_ok" : "Home Assistant's auth_required", why,
			whylen) != 0)
		goto fail;
	ha_ws__target_free(&t);
	return ws;
fail:
	ha_ws__target_free(&t);
	ha_ws_close(ws);
	return NULL;
}

/* ---------------------------------------------------------------- commands */

const char *ha_ws_version(const struct ha_ws *ws)
{
	return ws ? ws->version : "";
}

bool ha_ws_alive(const struct ha_ws *ws)
{
	return ws && ws->state == HA_WS_OPEN && ws->authed;
}

unsigned long ha_ws_dropped(const struct ha_ws *ws)
{
	return ws ? ws->dropped : 0;
}

enum herr ha_ws_command(struct ha_ws *ws, const char *type, const json_t *extra,
			json_t **result, char *why, size_t whylen)
{
	struct ha_ws_msg m = { 0 };
	char reason[HA_WS_WHY_MAX];
	json_t *cmd = NULL;
	char *text = NULL;
	long long id;
	enum herr rv = HERR_NOMEM;

	if (result)
		*result = NULL;
	if (!ha_ws_alive(ws)) {
		ha_ws__why(why, whylen, "%s", ws && ws->why[0] ? ws->why
					      : "not connected to Home Assistant");
		return HERR_UNAVAILABLE;
	}
	id = ws->next_id++;
	cmd = extra ? json_deep_copy(extra) : json_object();
	if (!cmd || !json_is_object(cmd) ||
	    json_object_set_new(cmd, "id", json_integer(id)) != 0 ||
	    json_object_set_new(cmd, "type", json_string(type)) != 0 ||
	    !(text = json_dumps(cmd, JSON_COMPACT))) {
		ha_ws__why(why, whylen, "out of memory");
		goto out;
	}
	json_decref(ws->answer);
	ws->answer = NULL;
	ws->oversize = false;
	ws->waiting_id = id;
	if (ha_ws__send_text(ws, text) != 0) {
		ha_ws__why(why, whylen, "out of memory");
		goto out;
	}
	if (ha_ws__wait(ws, ha_ws__answered, ha_ws__now_ms() + ws->timeout_ms, type, reason,
			sizeof(reason)) != 0) {
		/* A late answer must not be taken for the next command's. */
		ha_ws__lost(ws, "%s", reason);
		ha_ws__why(why, whylen, "%s", reason);
		rv = HERR_UNAVAILABLE;
		goto out;
	}
	if (!ws->answer) {
		/* The answer cannot be read, and will not come again. */
		ha_ws__why(why, whylen, "Home Assistant's answer to %s is larger than %d MiB",
			   type, HA_ANSWER_MAX / (1024 * 1024));
		ha_ws__lost(ws, "an answer was larger than %d MiB", HA_ANSWER_MAX / (1024 * 1024));
		rv = HERR_INTERNAL;
		goto out;
	}
	ha_ws_msg_classify(ws->answer, &m);
	if (m.kind == HA_WS_RESULT && !m.success) {
		ha_ws__why(why, whylen, "Home Assistant refused %s: %s", type, m.text);
		rv = HERR_INVALID;
		goto out;
	}
	if (result)
		*result = m.kind == HA_WS_PONG ? NULL : m.result ? json_incref(m.result) : json_null();
	rv = HERR_OK;
out:
	ha_ws_msg_clear(&m);
	ws->waiting_id = 0;
	ws->oversize = false;
	json_decref(ws->answer);
	ws->answer = NULL;
	free(text);
	json_decref(cmd);
	return rv;
}

long long ha_ws_subscribe(struct ha_ws *ws, const char *event_type, char *why, size_t whylen)
{
	json_t *extra = event_type ? json_pack("{s:s}", "event_type", event_type) : NULL;
	long long id = ws ? ws->next_id : 0;
	enum herr rv;

	if (event_type && !extra) {
		ha_ws__why(why, whylen, "the event type is not valid UTF-8");
		return -1;
	}
	rv = ha_ws_command(ws, "subscribe_events", extra, NULL, why, whylen);
	json_decref(extra);
	return rv == HERR_OK ? id : -1;
}

int ha_ws_next_event(struct ha_ws *ws, int timeout_ms, json_t **event, char *why,
		     size_t whylen)
{
	*event = NULL;
	if (!ws) {
		ha_ws__why(why, whylen, "not connected to Home Assistant");
		return -1;
	}
	if (!ha_ws__has_event(ws) && ha_ws_alive(ws)) {
		char late[HA_WS_WHY_MAX];

		/* At least a millisecond: a wake-up already due when
		 * lws_service() starts is spent before it polls, which then
		 * waits for the network alone. */
		(void)ha_ws__wait(ws, ha_ws__has_event,
				  ha_ws__now_ms() + (timeout_ms > 0 ? timeout_ms : 1), "an event",
				  late, sizeof(late));
	}
	if (ha_ws__has_event(ws)) {
		*event = json_incref(json_array_get(ws->events, 0));
		json_array_remove(ws->events, 0);
		return 1;
	}
	if (!ha_ws_alive(ws)) {
		ha_ws__why(why, whylen, "%s", ws->why[0] ? ws->why
					      : "the connection to Home Assistant ended");
		return -1;
	}
	return 0;
}

void ha_ws_close(struct ha_ws *ws)
{
	if (!ws)
		return;
	if (ws->ctx) {
		lws_sul_cancel(&ws->wake);
		lws_context_destroy(ws->ctx);
	}
	if (ws->tx) {
		explicit_bzero(ws->tx + LWS_PRE, ws->tx_len);
		free(ws->tx);
	}
	free(ws->rx);
	json_decref(ws->answer);
	json_decref(ws->events);
	free(ws);
}
