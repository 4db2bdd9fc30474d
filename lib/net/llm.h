#ifndef HEARTH_NET_LLM_H
#define HEARTH_NET_LLM_H

/*
 * The language-model client: one call to an OpenAI-compatible chat
 * completions endpoint, POST {[llm] base_url}/chat/completions with
 * Authorization: Bearer {[llm] api_key} (omitted when the key is empty:
 * a local server may need none), the [llm] timeout and the outbound URL
 * policy.  The key is a secret: it is sent in the header only, never put
 * in an error, a log line or a reply.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct hearth_config;
struct net_response;

/* Bytes of an answer read: a long completion fits with room to spare. */
#define LLM_ANSWER_MAX (1024 * 1024)

/* True when [llm] base_url is set. */
bool llm_configured(const struct hearth_config *cfg);

/*
 * POST the chat completions request (borrowed; {model, messages, ...}).
 * As net_http(): HERR_OK when an answer arrived, whatever its status (see
 * rs->status); HERR_INVALID when not configured or the policy refuses the
 * URL; HERR_UNAVAILABLE on connection failure or timeout; rs->error says
 * why.  rs is always initialised: free it with net_response_free().
 */
enum herr llm_chat(const struct hearth_config *cfg, const json_t *request,
		   struct net_response *rs);

/*
 * Read a chat completions answer (body, len bytes; outside input): the
 * first choice's message content.  A new reference
 *   {"content": text, "finish_reason": text|null, "model": text|null,
 *    "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}
 * (usage members are integers, 0 when the server gave none), or NULL with
 * the reason in err: not JSON, no choices, a refusal, content that is not
 * text.  Pure.
 */
json_t *llm_answer_parse(const char *body, size_t len, char *err, size_t errlen);

/*
 * The error text of a non-2xx answer: the server's error.message when it
 * sent one (OpenAI's {"error": {"message": ...}}), cut to fit, into out.
 * Pure.
 */
void llm_error_message(const char *body, size_t len, char *out, size_t outlen);

#endif
