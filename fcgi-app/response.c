/*
 * Responses: handlers fill a struct response, the framework renders it
 * once into the CGI-style header block FastCGI expects, then the body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "media/files.h"
#include "response.h"

void response_init(struct response *r)
{
	r->status = 0;
	r->body = NULL;
	r->raw = NULL;
	r->raw_len = 0;
	r->raw_type = NULL;
	r->headers[0] = '\0';
}

void response_clear(struct response *r)
{
	json_decref(r->body);
	r->body = NULL;
	free(r->raw);
	r->raw = NULL;
	r->raw_len = 0;
	r->raw_type = NULL;
}

int response_text(struct response *r, int status, const char *type, char *buf, size_t len)
{
	response_clear(r);
	r->status = status;
	r->raw = buf;
	r->raw_len = len;
	r->raw_type = type;
	return status;
}

int response_accel(struct response *r, const char *rel_path, const char *type)
{
	char uri[600];

	if (!media_rel_path_ok(rel_path) ||
	    snprintf(uri, sizeof(uri), "/_media/%s", rel_path) >= (int)sizeof(uri)) {
		LOG(LOG_ERR, "refusing to serve media path '%.80s'", rel_path ? rel_path : "");
		return response_detail(r, 500, "media file path is not valid");
	}
	response_clear(r);
	r->status = 200;
	response_add_header(r, "X-Accel-Redirect", uri);
	response_add_header(r, "Content-Type", type);
	/* The file is fixed once written: the browser may keep it a while. */
	response_add_header(r, "Cache-Control", "private, max-age=86400");
	return 200;
}

static int response__token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

void response_add_header(struct response *r, const char *name, const char *value)
{
	size_t used = strlen(r->headers);
	int n;

	if (!name || !*name || !value)
		return;
	for (const char *p = name; *p; p++)
		if (!response__token_char((unsigned char)*p))
			return;
	/* A CR or LF in a value would let whoever controls it (a client
	 * string echoed in Location, say) add headers of their own. */
	if (strpbrk(value, "\r\n"))
		return;
	n = snprintf(r->headers + used, sizeof(r->headers) - used, "%s: %s\r\n", name, value);
	if (n < 0 || (size_t)n >= sizeof(r->headers) - used) {
		r->headers[used] = '\0';
		LOG(LOG_WARNING, "response header %s dropped: no room", name);
	}
}

/*
 * A new JSON string for text that may hold bytes from the client (a path,
 * a parser's "near '...'" excerpt).  Jansson refuses invalid UTF-8, so such
 * text is kept readable with '?' in place of every non-ASCII byte.
 */
static json_t *response__string(const char *text)
{
	json_t *s = json_string(text);
	char *copy;

	if (s || !text)
		return s;
	copy = strdup(text);
	if (!copy)
		return NULL;
	for (unsigned char *p = (unsigned char *)copy; *p; p++)
		if (*p >= 0x80)
			*p = '?';
	s = json_string(copy);
	free(copy);
	return s;
}

int response_detail(struct response *r, int status, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);

	json_decref(r->body);
	r->body = NULL;
	r->status = status;
	if (n >= 0) {
		json_t *detail = response__string(msg);

		if (detail)
			r->body = json_pack("{s:o}", "detail", detail);
		free(msg);
	}
	return status;
}

int response_invalid(struct response *r, json_t *errs)
{
	/* NULL: building the list failed, most likely for want of memory. */
	if (!errs)
		return response_detail(r, 500, "internal error");
	json_decref(r->body);
	r->body = json_pack("{s:o}", "detail", errs);
	r->status = 422;
	return 422;
}

int response_status_for(enum herr e)
{
	switch (e) {
	case HERR_OK:          return 200;
	case HERR_NOT_FOUND:   return 404;
	case HERR_CONFLICT:    return 409;
	case HERR_INVALID:     return 422;
	case HERR_UNAVAILABLE: return 503;
	case HERR_SCHEMA:      return 503;
	case HERR_NOMEM:       return 500;
	case HERR_INTERNAL:    return 500;
	}
	return 500;
}

int response_error(struct response *r, enum herr e, const char *what)
{
	int status = response_status_for(e);

	switch (e) {
	case HERR_NOT_FOUND:
		if (what)
			return response_detail(r, status, "%s not found", what);
		return response_detail(r, status, "Not Found");
	case HERR_CONFLICT:
		if (what)
			return response_detail(r, status, "%s conflicts with an existing one", what);
		return response_detail(r, status, "conflict");
	case HERR_INVALID: {
		/* 422 always has the list shape, even without a field to name. */
		char msg[160];

		snprintf(msg, sizeof(msg), "%s refers to something that does not exist",
			 what ? what : "the request");
		return response_invalid(r, json_pack("[{s:[s], s:o, s:s}]", "loc", "body", "msg",
						     response__string(msg), "type", "value_error"));
	}
	case HERR_UNAVAILABLE:
		return response_detail(r, status, "database unavailable");
	case HERR_SCHEMA:
		return response_detail(r, status, "database schema is behind; run: hearthctl migrate");
	case HERR_OK:
	case HERR_NOMEM:
	case HERR_INTERNAL:
		break;
	}
	/* What went wrong inside stays in the log, not in the reply. */
	return response_detail(r, 500, "internal error");
}

const char *response_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Unknown";
}

/* Whether the handler's extra headers already carry this one. */
static int response__has_header(const char *headers, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *line = headers; *line;) {
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':')
			return 1;
		line = strstr(line, "\r\n");
		if (!line)
			break;
		line += 2;
	}
	return 0;
}

/* printf into buf[*len..cap); on overflow *len becomes cap, which the
 * caller checks once at the end. */
__attribute__((format(printf, 4, 5)))
static void response__append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 || (size_t)n >= cap - *len ? cap : *len + (size_t)n;
}

char *response_render(const struct response *r, size_t *len)
{
	static const char fallback_body[] = "{\"detail\":\"internal error\"}";
	int status = r->status >= 100 && r->status <= 599 ? r->status : 500;
	const char *text = NULL;   /* the body to send */
	char *json = NULL;         /* owned here when serialised here */
	size_t tlen = 0;
	char head[256 + sizeof(r->headers)];
	size_t hlen = 0;
	char *out = NULL;

	if (status != 204 && status != 304) {
		if (r->raw) {
			text = r->raw;
			tlen = r->raw_len;
		} else if (r->body) {
			json = json_dumps(r->body, JSON_COMPACT | JSON_ENCODE_ANY | HEARTH_JSON_REALS);
			if (!json) {
				status = 500;
				json = strdup(fallback_body);
				if (!json)
					return NULL;
			}
			text = json;
			tlen = strlen(json);
		}
	}

	response__append(head, sizeof(head), &hlen, "Status: %d %s\r\n", status,
			 response_reason(status));
	if (text)
		response__append(head, sizeof(head), &hlen,
				 "Content-Type: %s\r\n"
				 "Content-Length: %zu\r\n",
				 r->raw && r->raw_type ? r->raw_type : "application/json; charset=utf-8",
				 tlen);
	else if (status != 204 && status != 304)
		response__append(head, sizeof(head), &hlen, "Content-Length: 0\r\n");
	/* Replies carry keys and private data: no cache keeps them unless a
	 * handler says otherwise. */
	if (!response__has_header(r->headers, "Cache-Control"))
		response__append(head, sizeof(head), &hlen, "Cache-Control: no-store\r\n");
	response__append(head, sizeof(head), &hlen, "%s\r\n", r->headers);
	if (hlen >= sizeof(head))
		goto out;

	out = malloc(hlen + tlen + 1);
	if (!out)
		goto out;
	memcpy(out, head, hlen);
	if (text)
		memcpy(out + hlen, text, tlen);
	out[hlen + tlen] = '\0';
	*len = hlen + tlen;
out:
	free(json);
	return out;
}
