/*
 * The llm_call step: one call to an OpenAI-compatible chat completions
 * endpoint ([llm], net/llm.h).  The prompt is a template over
 * pipeline_data; images go with it as base64 data URLs in the vision
 * message format ({"type": "image_url", "image_url": {"url": "data:..."}}):
 * image_source trigger takes trigger.media_paths, additional takes
 * pipeline_data.additional_images (media paths an earlier step or the
 * trigger input put there), both takes the two, at most max_images.
 *
 * A call that fails for a reason that may pass (no answer in time, the
 * connection refused, a 5xx) is tried again up to max_retries times with
 * backoff, the run's lease renewed in between; any other failure (a 4xx,
 * an answer that is not what was asked for) fails the run at once.
 * response_format json_free asks for a JSON object, json_schema sends
 * response_json_schema and checks the answer against it (engine/jschema.h).
 * pipeline_data[output_key] is the answer: text, or the parsed JSON.  The
 * step's output (stored under its label) also has model, usage and
 * attempts.  Without [llm] base_url the step fails and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "engine/engine.h"
#include "engine/jschema.h"
#include "engine/step.h"
#include "engine/template.h"
#include "log.h"
#include "media/files.h"
#include "net/backoff.h"
#include "net/http.h"
#include "net/llm.h"
#include "store/runs.h"

/* Bytes of a rendered prompt. */
#define LLM_PROMPT_MAX (64 * 1024)
#define LLM_RETRY_BASE_MS 500L
#define LLM_RETRY_CAP_MS 8000L

static const char *llm__mime(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strcasecmp(dot, ".png"))
		return "image/png";
	if (dot && !strcasecmp(dot, ".webp"))
		return "image/webp";
	if (dot && !strcasecmp(dot, ".gif"))
		return "image/gif";
	return "image/jpeg";
}

/* Append the images of list (an array of media paths) to parts while
 * fewer than max have been added. */
static int llm__add_images(struct step_run *s, const json_t *list, json_t *parts,
			   size_t *added, size_t max)
{
	const json_t *p;
	size_t i;

	json_array_foreach(list, i, p) {
		json_t *url = NULL;

		if (*added >= max)
			break;
		if (!json_is_string(p))
			continue;
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "data:%s;base64,", llm__mime(json_string_value(p)));
		if (step_media_base64(s, json_string_value(p), prefix, &url) != 0)
			return -1;
		if (json_array_append_new(parts, json_pack("{s:s, s:{s:o}}", "type", "image_url",
							   "image_url", "url", url)) != 0)
			return step_fail(s, "out of memory");
		(*added)++;
	}
	return 0;
}

/* {model, messages: [{role: user, content}], response_format?}: a new
 * reference, or NULL with s->error set. */
static json_t *llm__request(struct step_run *s, const char *model, const char *prompt)
{
	const char *source = json_string_value(json_object_get(s->config, "image_source"));
	const char *format = json_string_value(json_object_get(s->config, "response_format"));
	json_int_t max = json_integer_value(json_object_get(s->config, "max_images"));
	const json_t *schema = json_object_get(s->config, "response_json_schema");
	json_t *parts = json_pack("[{s:s, s:s}]", "type", "text", "text", prompt);
	json_t *req = NULL, *content;
	size_t added = 0;

	if (!source)
		source = "none";
	if (!parts) {
		step_fail(s, "out of memory");
		goto fail;
	}
	if ((!strcmp(source, "trigger") || !strcmp(source, "both")) &&
	    llm__add_images(s, json_object_get(json_object_get(s->data, "trigger"), "media_paths"),
			    parts, &added, max > 0 ? (size_t)max : 0) != 0)
		goto fail;
	if ((!strcmp(source, "additional") || !strcmp(source, "both")) &&
	    llm__add_images(s, json_object_get(s->data, "additional_images"), parts, &added,
			    max > 0 ? (size_t)max : 0) != 0)
		goto fail;
	/* Text alone goes as a plain string: every server understands that. */
	content = added ? json_incref(parts) : json_string(prompt);
	req = json_pack("{s:s, s:[{s:s, s:o}]}", "model", model, "messages", "role", "user",
			"content", content);
	if (!req) {
		step_fail(s, "out of memory");
		goto fail;
	}
	if (format && !strcmp(format, "json_free"))
		json_object_set_new(req, "response_format", json_pack("{s:s}", "type", "json_object"));
	else if (format && !strcmp(format, "json_schema"))
		json_object_set_new(req, "response_format",
				    json_pack("{s:s, s:{s:s, s:O}}", "type", "json_schema",
					      "json_schema", "name", "response", "schema", schema));
	json_decref(parts);
	return req;
fail:
	json_decref(parts);
	json_decref(req);
	return NULL;
}

/* The answer's text as JSON; a model may wrap it in a ``` fence. */
static json_t *llm__json_content(const char *text)
{
	const char *start = text, *end = text + strlen(text);
	json_error_t jerr;

	while (*start == ' ' || *start == '\n' || *start == '\r' || *start == '\t')
		start++;
	if (!strncmp(start, "```", 3)) {
		const char *nl = strchr(start, '\n');
		const char *close = NULL;

		for (const char *p = end; p - 3 >= start + 3; p--)
			if (!strncmp(p - 3, "```", 3)) {
				close = p - 3;
				break;
			}
		if (nl && close && close > nl) {
			start = nl + 1;
			end = close;
		}
	}
	return json_loadb(start, (size_t)(end - start), JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
			  &jerr);
}

/* Retry after a failed attempt: renew the lease, wait.  false when the
 * run was taken away meanwhile (cancelled). */
static bool llm__pause(struct step_run *s, unsigned failures)
{
	long ms = backoff_delay_ms(failures, LLM_RETRY_BASE_MS, LLM_RETRY_CAP_MS,
				   (double)(random() % 1000) / 1000.0);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	bool ok = true;

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	if (s->execution_id > 0 &&
	    store_runs_touch(s->e->db, s->execution_id, s->e->owner, s->e->lease_seconds, &ok) !=
		    HERR_OK)
		return false;
	return ok;
}

int step_run_llm_call(struct step_run *s)
{
	const struct hearth_config *cfg = s->e->cfg;
	const char *model = json_string_value(json_object_get(s->config, "model_id"));
	const char *tmpl = json_string_value(json_object_get(s->config, "prompt"));
	const char *format = json_string_value(json_object_get(s->config, "response_format"));
	const char *key = json_string_value(json_object_get(s->config, "output_key"));
	const json_t *schema = json_object_get(s->config, "response_json_schema");
	json_int_t retries = json_integer_value(json_object_get(s->config, "max_retries"));
	struct net_response rs = { 0 };
	json_t *req = NULL, *answer = NULL, *value = NULL, *out = NULL;
	char *prompt = NULL, why[256];
	unsigned attempts = 0;
	enum herr e;
	int rv = -1;

	if (!format)
		format = "text";
	if (!key)
		key = "llm_response";
	if (!cfg || !llm_configured(cfg))
		return step_fail(s, "no language model is configured ([llm] base_url is empty)");
	if (!model || !*model)
		model = cfg->llm_model;
	if (!*model)
		return step_fail(s, "no model: the step has no model_id and [llm] model is empty");
	if (!strcmp(format, "json_schema") && !json_is_object(schema))
		return step_fail(s, "response_format json_schema needs response_json_schema");
	prompt = template_render(tmpl ? tmpl : "", s->data, LLM_PROMPT_MAX);
	if (!prompt) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (!(req = llm__request(s, model, prompt)))
		goto out;

	for (;;) {
		bool again;

		attempts++;
		net_response_free(&rs);
		e = llm_chat(cfg, req, &rs);
		if (e == HERR_OK && net_response_ok(&rs))
			break;
		again = e == HERR_UNAVAILABLE || (e == HERR_OK && rs.status >= 500);
		if (e == HERR_OK && (rs.status == 401 || rs.status == 403)) {
			/* Not the server's words: some quote part of the key. */
			net_response_error(&rs, "the language model refused the API key (HTTP %ld)",
					   rs.status);
		} else if (e == HERR_OK) {
			llm_error_message(rs.body, rs.body_len, why, sizeof(why));
			net_response_error(&rs, "the language model answered HTTP %ld%s%.200s",
					   rs.status, why[0] ? ": " : "", why);
		}
		if (!again || attempts > (unsigned)retries) {
			if (attempts > 1)
				step_fail(s, "%s (%u attempts)", rs.error, attempts);
			else
				step_fail(s, "%s", rs.error);
			goto out;
		}
		LOG(LOG_NOTICE, "run %lld: llm_call attempt %u failed (%s); trying again",
		    (long long)s->execution_id, attempts, rs.error);
		if (!llm__pause(s, attempts)) {
			step_fail(s, "the run was taken away while waiting to try the language model again");
			goto out;
		}
	}
	if (rs.truncated) {
		step_fail(s, "the language model's answer is larger than %d bytes", LLM_ANSWER_MAX);
		goto out;
	}
	answer = llm_answer_parse(rs.body, rs.body_len, why, sizeof(why));
	if (!answer) {
		step_fail(s, "%s", why);
		goto out;
	}
	if (!strcmp(format, "text")) {
		value = json_incref(json_object_get(answer, "content"));
	} else {
		value = llm__json_content(json_string_value(json_object_get(answer, "content")));
		if (!value) {
			step_fail(s, "the language model's answer is not JSON (response_format %s)",
				  format);
			goto out;
		}
		if (!strcmp(format, "json_schema") &&
		    jschema_check(schema, value, why, sizeof(why)) != 0) {
			step_fail(s, "the language model's answer does not match response_json_schema: %s",
				  why);
			goto out;
		}
	}
	out = json_pack("{s:O, s:O, s:O, s:O, s:i}", "response", value, "model",
			json_object_get(answer, "model"), "finish_reason",
			json_object_get(answer, "finish_reason"), "usage",
			json_object_get(answer, "usage"), "attempts", (int)attempts);
	if (!out || json_object_set(s->data, key, value) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = out;
	out = NULL;
	rv = 0;
out:
	net_response_free(&rs);
	json_decref(req);
	json_decref(answer);
	json_decref(value);
	json_decref(out);
	free(prompt);
	return rv;
}
