/*
 * Real-time messages: one POST per message to nchan's publisher location
 * over its unix socket (net/publish.h).  Nothing here may hold up or fail what
 * caused the message, so every failure ends in a log line and a return
 * value, within the configured timeout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"
#include "iso8601.h"
#include "log.h"
#include "proc.h"
#include "net/publish.h"

/* While publishing keeps failing (nginx stopped), one log line per this
 * many seconds, with the count of those left out, instead of one per
 * message. */
#define PUBLISH_LOG_EVERY 60

/* The timeout when the configuration gives none: never wait unbounded. */
#define PUBLISH_TIMEOUT_MS_DEFAULT 500L

static const char *const publish_channels[] = {
	"events", "alerts", "detections", "system", "workflows", "prompts", NULL,
};

/*
 * The process's handle, kept so that its connection to nginx is reused.
 * A forked child must not use its parent's connection: the pid tells a
 * handle made before a fork apart.
 */
static CURL *publish__curl;
static pid_t publish__pid;

/* When a failure was last logged (0: none since the last success), and
 * how many were not logged since. */
static time_t publish__logged_at;
static unsigned long publish__quiet;

int publish_channel_known(const char *channel)
{
	if (!channel)
		return 0;
	for (const char *const *c = publish_channels; *c; c++)
		if (strcmp(*c, channel) == 0)
			return 1;
	return 0;
}

static CURL *publish__handle(void)
{
	pid_t pid = proc_self();

	if (publish__curl && publish__pid == pid) {
		curl_easy_reset(publish__curl);   /* keeps the connection */
		return publish__curl;
	}
	/* A parent's handle: cleaning it up closes only this process's copy
	 * of the socket. */
	if (publish__curl)
		curl_easy_cleanup(publish__curl);
	publish__curl = curl_easy_init();
	publish__pid = pid;
	return publish__curl;
}

static size_t publish__discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

__attribute__((format(printf, 2, 3)))
static void publish__fail(const char *channel, const char *fmt, ...)
{
	time_t now = time(NULL);
	char why[256];
	va_list ap;

	if (publish__logged_at && now - publish__logged_at < PUBLISH_LOG_EVERY) {
		publish__quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (publish__quiet)
		LOG(LOG_WARNING, "publish to %s: %s (and %lu earlier failures not logged)", channel,
		    why, publish__quiet);
	else
		LOG(LOG_WARNING, "publish to %s: %s", channel, why);
	publish__logged_at = now;
	publish__quiet = 0;
}

static void publish__ok(void)
{
	if (publish__quiet)
		LOG(LOG_NOTICE, "publishing works again (%lu failures not logged)", publish__quiet);
	publish__logged_at = 0;
	publish__quiet = 0;
}

/* The message as nchan will hand it to subscribers; malloc'd, or NULL. */
static char *publish__render(const char *channel, const char *type, const json_t *data)
{
	char at[ISO8601_LEN];
	json_t *msg;
	char *text;

	iso8601_format((int64_t)time(NULL), at);
	msg = json_pack("{s:s, s:s, s:s, s:o}", "type", type, "channel", channel, "at", at,
			"data", data ? json_incref((json_t *)data) : json_object());
	if (!msg)
		return NULL;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	return text;
}

enum herr publish_message(const struct hearth_config *cfg, const char *channel,
			  const char *type, const json_t *data)
{
	struct curl_slist *headers = NULL;
	char url[CONFIG_STR + 32], curl_error[CURL_ERROR_SIZE] = "";
	char *body = NULL;
	size_t base_len;
	long status = 0, timeout_ms;
	CURL *curl;
	CURLcode rc;
	enum herr err = HERR_NOMEM;

	if (!cfg || !cfg->stream_publish_url[0])
		return HERR_OK;
	if (!publish_channel_known(channel)) {
		LOG(LOG_ERR, "publish: unknown channel %s", channel ? channel : "(none)");
		return HERR_INVALID;
	}
	if (!type || !*type) {
		LOG(LOG_ERR, "publish to %s: a message without a type", channel);
		return HERR_INVALID;
	}

	base_len = strlen(cfg->stream_publish_url);
	if (base_len > 0 && cfg->stream_publish_url[base_len - 1] == '/')
		base_len--;   /* ".../pub/" as well as ".../pub" */
	snprintf(url, sizeof(url), "%.*s/%s", (int)base_len, cfg->stream_publish_url, channel);

	body = publish__render(channel, type, data);
	if (!body)
		goto out;
	curl = publish__handle();
	if (!curl)
		goto out;
	/* "Expect:": a body over 1 KiB would otherwise wait for "100 Continue". */
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!headers || !curl_slist_append(headers, "Expect:"))
		goto out;
	timeout_ms = cfg->stream_publish_timeout_ms > 0 ? (long)cfg->stream_publish_timeout_ms
						        : PUBLISH_TIMEOUT_MS_DEFAULT;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (cfg->stream_publish_socket[0])
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, cfg->stream_publish_socket);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_PROXY, "");   /* never through an http_proxy */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, publish__discard);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);

	/* The handle outlives this call and keeps pointers to what does not;
	 * the curl_easy_reset() of the next call drops them unused. */
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		publish__fail(channel, "%s", curl_error[0] ? curl_error : curl_easy_strerror(rc));
		err = HERR_UNAVAILABLE;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		/* 413: larger than the publisher takes, and always will be. */
		publish__fail(channel, "the publisher answered %ld", status);
		err = status == 413 ? HERR_INVALID : HERR_UNAVAILABLE;
		goto out;
	}
	publish__ok();
	err = HERR_OK;
out:
	if (err == HERR_NOMEM)
		LOG(LOG_ERR, "publish to %s: out of memory", channel);
	curl_slist_free_all(headers);
	free(body);
	return err;
}
