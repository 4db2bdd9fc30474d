/* The language-model client of llm.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "net/http.h"
#include "net/llm.h"
#include "validate.h"

bool llm_configured(const struct hearth_config *cfg)
{
	return cfg && cfg->llm_base_url[0] != '\0';
}

enum herr llm_chat(const struct hearth_config *cfg, const json_t *request,
		   struct net_response *rs)
{
	struct net_request rq = { 0 };
	size_t base_len, url_len;
	char *url = NULL, *body = NULL;
	enum herr rv = HERR_NOMEM;

	memset(rs, 0, sizeof(*rs));
	if (!llm_configured(cfg)) {
		net_response_error(rs, "no language model is configured ([llm] base_url)");
		return HERR_INVALID;
	}
	base_len = strlen(cfg->llm_base_url);
	while (base_len > 0 && cfg->llm_base_url[base_len - 1] == '/')
		base_len--;
	url_len = base_len + sizeof("/chat/completions");
	url = malloc(url_len);
	body = json_dumps(request, JSON_COMPACT);
	if (!url || !body) {
		net_response_error(rs, "out of memory");
		goto out;
	}
	snprintf(url, url_len, "%.*s/chat/completions", (int)base_len, cfg->llm_base_url);
	rq.method = "POST";
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.bearer = cfg->llm_api_key[0] ? cfg->llm_api_key : NULL;
	rq.timeout_ms = cfg->llm_timeout_ms;
	rq.body_max = LLM_ANSWER_MAX;
	rv = net_http(&rq, rs);
	if (rv != HERR_OK) {
		char why[NET_ERROR_MAX];

		memcpy(why, rs->error, sizeof(why));
		net_response_error(rs, "language model: %s", why);
	}
out:
	free(url);
	free(body);
	return rv;
}

static json_int_t llm__count(const json_t *usage, const char *key)
{
	const json_t *v = json_object_get(usage, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : 0;
}

/* Copy text into out, cut on a whole UTF-8 character, control characters
 * made spaces: it ends up in a run's error. */
static void llm__quote(const char *text, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", text);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	utf8_trim_cut(out);
}

json_t *llm_answer_parse(const char *body, size_t len, char *err, size_t errlen)
{
	json_t *root = NULL, *out = NULL;
	const json_t *choice, *msg, *content, *usage, *refusal;
	char quoted[160];

	if (err && errlen)
		err[0] = '\0';
	root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the language model's answer is not a JSON object");
		goto out;
	}
	choice = json_array_get(json_object_get(root, "choices"), 0);
	msg = json_object_get(choice, "message");
	if (!json_is_object(msg)) {
		snprintf(err, errlen, "the language model's answer has no choices[0].message");
		goto out;
	}
	content = json_object_get(msg, "content");
	refusal = json_object_get(msg, "refusal");
	if (json_is_string(refusal) && json_string_length(refusal) > 0 &&
	    (!json_is_string(content) || json_string_length(content) == 0)) {
		llm__quote(json_string_value(refusal), quoted, sizeof(quoted));
		snprintf(err, errlen, "the language model refused: %s", quoted);
		goto out;
	}
	if (!json_is_string(content)) {
		snprintf(err, errlen, "the language model's answer has no text content");
		goto out;
	}
	usage = json_object_get(root, "usage");
	out = json_pack("{s:O, s:O, s:O, s:{s:I, s:I, s:I}}", "content", content,
			"finish_reason",
			json_is_string(json_object_get(choice, "finish_reason"))
				? json_object_get(choice, "finish_reason") : json_null(),
			"model",
			json_is_string(json_object_get(root, "model")) ? json_object_get(root, "model")
								       : json_null(),
			"usage", "prompt_tokens", llm__count(usage, "prompt_tokens"),
			"completion_tokens", llm__count(usage, "completion_tokens"),
			"total_tokens", llm__count(usage, "total_tokens"));
	if (!out)
		snprintf(err, errlen, "out of memory");
out:
	json_decref(root);
	return out;
}

void llm_error_message(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
	const json_t *e = json_object_get(root, "error");
	const char *msg = json_is_object(e) ? json_string_value(json_object_get(e, "message"))
					    : json_string_value(e);

	if (outlen)
		out[0] = '\0';
	if (msg && *msg && outlen)
		llm__quote(msg, out, outlen);
	json_decref(root);
}
