/*
 * What every handler shares: path ids, pagination, list replies, request
 * bodies.  Query and path problems are 422s in the same shape as body
 * problems, with loc ["query", name] or ["path", name].
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "config.h"
#include "app.h"
#include "cache.h"
#include "cursor.h"
#include "fields.h"
#include "iso8601.h"
#include "log.h"
#include "handlers.h"
#include "media/files.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "store/media.h"
#include "store/store.h"
#include "validate.h"

#define PAGE_LIMIT_DEFAULT 100
#define PAGE_LIMIT_MAX 1000

const char *const at_body[] = {"body", NULL};
static const char *const at_query[] = {"query", NULL};
static const char *const at_path[] = {"path", NULL};

int ctx_reply(struct response *r, int status, json_t *body)
{
	if (!body && status != 204)
		return response_detail(r, 500, "out of memory");
	json_decref(r->body);
	r->body = body;
	r->status = status;
	return status;
}

int ctx_invalid(struct response *r, json_t *errs)
{
	if (!errs)
		return response_detail(r, 500, "out of memory");
	return response_invalid(r, errs);
}

int ctx_path_id(struct ctx *c, struct response *r, const char *name, int64_t *id)
{
	char buf[32];
	int64_t v;
	json_t *errs;

	if (route_capture(c->m, name, buf, sizeof(buf)) == 0 && parse_int64(buf, &v) == 0) {
		if (v > 0) {
			*id = v;
			return 0;
		}
		errs = json_array();
		verr_add(errs, at_path, name, "greater_than_equal",
			 "Input should be greater than or equal to 1");
	} else {
		errs = json_array();
		verr_add(errs, at_path, name, "int_parsing",
			 "Input should be a valid integer, unable to parse string as an integer");
	}
	ctx_invalid(r, errs);
	return -1;
}

/* The query string, never NULL. */
static const char *common__query(const struct ctx *c)
{
	return c->req && c->req->query ? c->req->query : "";
}

int ctx_query_int(const struct ctx *c, const char *name, int64_t min, int64_t max,
		  int64_t *out, json_t *errs)
{
	char buf[32];
	int64_t v;
	int found = query_get(common__query(c), name, buf, sizeof(buf));

	if (found == 0)
		return 0;
	if (found < 0 || parse_int64(buf, &v) != 0) {
		verr_add(errs, at_query, name, "int_parsing",
			 "Input should be a valid integer, unable to parse string as an integer");
		return -1;
	}
	if (v < min) {
		verr_add(errs, at_query, name, "greater_than_equal",
			 "Input should be greater than or equal to %" PRId64, min);
		return -1;
	}
	if (v > max) {
		verr_add(errs, at_query, name, "less_than_equal",
			 "Input should be less than or equal to %" PRId64, max);
		return -1;
	}
	*out = v;
	return 1;
}

int ctx_query_enum(const struct ctx *c, const char *name, const char *const *choices,
		   const char **out, json_t *errs)
{
	char buf[64];
	int found = query_get(common__query(c), name, buf, sizeof(buf));

	if (found == 0)
		return 0;
	for (size_t i = 0; found > 0 && choices[i]; i++) {
		if (strcmp(buf, choices[i]) == 0) {
			*out = choices[i];
			return 1;
		}
	}
	verr_enum(errs, at_query, name, choices);
	return -1;
}

void ctx_page(struct ctx *c, const char *scope, struct page *pg, json_t *errs)
{
	const struct hearth_config *cfg = c->app->cfg;
	char cursor[CURSOR_MAX + 1];
	int64_t v;
	int has_cursor;

	pg->after_id = 0;
	pg->offset = -1;
	pg->limit = PAGE_LIMIT_DEFAULT;

	if (ctx_query_int(c, "limit", 1, PAGE_LIMIT_MAX, &v, errs) > 0)
		pg->limit = (unsigned)v;

	/* An empty cursor is what a client sends for the first page. */
	has_cursor = query_get(common__query(c), "cursor", cursor, sizeof(cursor));
	if (has_cursor != 0 && !(has_cursor > 0 && cursor[0] == '\0')) {
		if (has_cursor < 0 ||
		    cursor_decode(cfg->secret, cfg->secret_len, scope, cursor, &v) != 0) {
			verr_add(errs, at_query, "cursor", "value_error",
				 "Invalid pagination cursor; use next_cursor from a previous "
				 "reply of this list");
		} else {
			pg->after_id = v;
		}
	} else {
		has_cursor = 0;
	}

	if (ctx_query_int(c, "offset", 0, INT64_MAX, &v, errs) > 0) {
		if (has_cursor)
			verr_add(errs, at_query, "offset", "value_error",
				 "Use either cursor or offset, not both");
		else
			pg->offset = v;
	}
}

int ctx_list_reply(struct ctx *c, struct response *r, const char *scope,
		   const struct page *pg, json_t *items, bool has_more)
{
	const struct hearth_config *cfg = c->app->cfg;
	json_t *next = json_null(), *body;
	size_t n = json_array_size(items);

	if (has_more && n > 0) {
		char cursor[CURSOR_MAX + 1];
		json_int_t last = json_integer_value(json_object_get(json_array_get(items, n - 1), "id"));

		if (last <= 0 || cursor_encode(cfg->secret, cfg->secret_len, scope, last,
					       cursor, sizeof(cursor)) != 0) {
			json_decref(items);
			return response_detail(r, 500, "could not build the next page cursor");
		}
		next = json_string(cursor);
	}

	body = json_pack("{s:o, s:{s:I, s:o, s:b}}", "items", items, "pagination",
			 "limit", (json_int_t)pg->limit, "next_cursor", next, "has_more", has_more);
	if (body && pg->offset >= 0)
		json_object_set_new(body, "deprecation", json_string("offset pagination is deprecated"));
	return ctx_reply(r, 200, body);
}

void ctx_page_desc(struct ctx *c, const char *scope, struct page *pg, json_t *errs)
{
	ctx_page(c, scope, pg, errs);
	/* The first page of a newest-first list starts below every id, so the
	 * store needs one statement ("id < ?") and no special case. */
	if (pg->after_id <= 0)
		pg->after_id = INT64_MAX;
}

int ctx_list_reply_desc(struct ctx *c, struct response *r, const char *scope,
			const struct page *pg, json_t *items, bool has_more)
{
	/* The last item holds the smallest id: the next page continues below
	 * it, which is what the cursor of ctx_list_reply already encodes. */
	return ctx_list_reply(c, r, scope, pg, items, has_more);
}

void ctx_changed(struct ctx *c, int64_t id, const char *ns, const char *ns2)
{
	snprintf(c->object_id, sizeof(c->object_id), "%" PRId64, id);
	c->stale[0] = ns;
	c->stale[1] = ns2;
}

enum herr ctx_media_remove(struct ctx *c, int64_t id, const char *kind)
{
	struct media_row gone[MEDIA_GONE_MAX];
	size_t n = 0;
	enum herr e = store_media_delete(c->app->db, id, kind, gone, MEDIA_GONE_MAX, &n);

	if (e != HERR_OK)
		return e;
	for (size_t i = 0; i < n; i++)
		if (media_unlink(c->app->cfg->media_root, gone[i].rel_path) != 0)
			LOG(LOG_WARNING, "%s %" PRId64 ": unlink %s: %s", gone[i].kind, gone[i].id,
			    gone[i].rel_path, strerror(errno));
	return HERR_OK;
}

void list_cache_key(const char *ns, const char *query, char out[LIST_CACHE_KEY_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char qhash[33];

	/* The query is hashed: it may carry an api_key, and bytes that are no
	 * memcached key. */
	query = query ? query : "";
	SHA256((const unsigned char *)query, strlen(query), digest);
	for (size_t i = 0; i < 16; i++) {
		qhash[2 * i] = hex[digest[i] >> 4];
		qhash[2 * i + 1] = hex[digest[i] & 15];
	}
	qhash[32] = '\0';
	snprintf(out, LIST_CACHE_KEY_MAX, "list:%s:%s", ns, qhash);
}

/*
 * List pages this worker served lately, kept in its memory: a page read
 * again costs no round trip to memcached while its namespace's local
 * counter (shared by the workers, moved by every cache_bump after
 * memcached's) stays what it was before the page was read, and for no
 * longer than the cache's ttl.  Small pages only, a few of them.
 */
#define LIST_KEPT 16
#define LIST_KEPT_BYTES (64 * 1024)

static struct list_kept {
	char key[LIST_CACHE_KEY_MAX];
	uint64_t local;         /* 0 = empty */
	time_t at;
	char *page;
	size_t len;
} list_kept_pages[LIST_KEPT];
static unsigned list_kept_next;

static struct list_kept *common__kept(const char *ns, const char *key, unsigned ttl)
{
	uint64_t local = cache_local_version(ns);
	time_t now = time(NULL);

	if (!local)
		return NULL;
	for (size_t i = 0; i < LIST_KEPT; i++) {
		struct list_kept *k = &list_kept_pages[i];

		if (k->local == local && now >= k->at && now - k->at < (time_t)ttl &&
		    strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

static void common__keep(const struct list_cache *lc, const char *page, size_t len)
{
	struct list_kept *k;
	char *copy;

	if (!lc->local || len > LIST_KEPT_BYTES || !(copy = malloc(len + 1)))
		return;
	memcpy(copy, page, len);
	copy[len] = '\0';
	k = &list_kept_pages[list_kept_next++ % LIST_KEPT];
	free(k->page);
	snprintf(k->key, sizeof(k->key), "%s", lc->key);
	k->local = lc->local;
	k->at = time(NULL);
	k->page = copy;
	k->len = len;
}

bool list_kept(const char *ns, const char *query, unsigned ttl)
{
	char key[LIST_CACHE_KEY_MAX];

	list_cache_key(ns, query, key);
	return common__kept(ns, key, ttl) != NULL;
}

bool ctx_list_cached(struct ctx *c, struct response *r, const char *ns, struct list_cache *lc)
{
	struct list_kept *k;
	size_t len;
	char *page;

	list_cache_key(ns, common__query(c), lc->key);
	/* Before any read: a bump after it makes what is read useless. */
	lc->local = cache_local_version(ns);
	if ((k = common__kept(ns, lc->key, c->app->cfg->cache_ttl)) &&
	    (page = malloc(k->len + 1))) {
		memcpy(page, k->page, k->len + 1);
		lc->version = 0;   /* nothing to fill */
		response_clear(r);
		r->raw = page;
		r->raw_len = k->len;
		r->status = 200;
		return true;
	}
	page = cache_get_versioned(c->app->cache, ns, lc->key, &lc->version, &len);
	if (!page)
		return false;
	common__keep(lc, page, len);
	response_clear(r);
	r->raw = page;
	r->raw_len = len;
	r->status = 200;
	return true;
}

void ctx_list_cache_fill(struct ctx *c, struct response *r, const struct list_cache *lc)
{
	char *text;

	if ((lc->version == 0 && lc->local == 0) || r->status != 200 || !r->body)
		return;
	text = json_dumps(r->body, JSON_COMPACT | HEARTH_JSON_REALS);
	if (!text)
		return;
	if (lc->version)
		cache_set_versioned(c->app->cache, lc->key, lc->version, text, strlen(text),
				    c->app->cfg->cache_ttl);
	common__keep(lc, text, strlen(text));
	json_decref(r->body);
	r->body = NULL;
	r->raw = text;
	r->raw_len = strlen(text);
}

int ctx_body_time(const json_t *body, const char *field, char out[HANDLER_TIME_LEN],
		  json_t *errs)
{
	const json_t *v = json_object_get(body, field);
	struct timespec now;
	struct tm tm;
	unsigned millis;
	int64_t ms;
	time_t secs;

	if (!v)
		return 0;
	if (!json_is_string(v) || iso8601_parse(json_string_value(v), &ms) != 0 || ms < 0) {
		verr_add(errs, at_body, field, "datetime_parsing",
			 "Input should be an ISO 8601 date and time with a time zone, "
			 "e.g. 2026-11-22T10:14:33Z or 2026-11-22T11:14:33+01:00");
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (ms > ((int64_t)now.tv_sec + HANDLER_TIME_FUTURE_MAX) * 1000) {
		verr_add(errs, at_body, field, "value_error",
			 "Input should not be more than %d minutes in the future",
			 HANDLER_TIME_FUTURE_MAX / 60);
		return -1;
	}
	secs = (time_t)(ms / 1000);
	if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999) {
		verr_add(errs, at_body, field, "value_error", "Input is out of range");
		return -1;
	}
	/* 19 characters, then ".mmm": HANDLER_TIME_LEN holds both and the NUL.
	 * (The year is 1970..9999 here, so strftime always writes 19.) */
	if (strftime(out, HANDLER_TIME_LEN, "%Y-%m-%d %H:%M:%S", &tm) != 19) {
		verr_add(errs, at_body, field, "value_error", "Input is out of range");
		return -1;
	}
	millis = (unsigned)(ms % 1000);
	out[19] = '.';
	out[20] = (char)('0' + millis / 100);
	out[21] = (char)('0' + millis / 10 % 10);
	out[22] = (char)('0' + millis % 10);
	out[23] = '\0';
	return 1;
}

json_t *ctx_body(const struct ctx *c)
{
	return c->body ? json_incref(c->body) : json_object();
}

json_t *fields_merge(const json_t *current, const json_t *patch,
		     const struct vfield *fields, size_t nfields)
{
	json_t *out = json_object(), *v;
	const char *key;

	if (!out)
		return NULL;
	for (size_t i = 0; i < nfields; i++) {
		v = json_object_get(patch, fields[i].name);
		if (!v)
			v = json_object_get(current, fields[i].name);
		if (v)
			json_object_set(out, fields[i].name, v);
	}
	/* Keys the table does not know stay, so validation still refuses them. */
	json_object_foreach((json_t *)patch, key, v)
		if (!json_object_get(out, key))
			json_object_set(out, key, v);
	return out;
}

int ctx_query_time(const struct ctx *c, const char *name, int64_t *ms,
		   char out[HANDLER_TIME_LEN], json_t *errs)
{
	char buf[64];
	struct tm tm;
	unsigned millis;
	time_t secs;
	int found = query_get(common__query(c), name, buf, sizeof(buf));

	if (found == 0 || (found > 0 && buf[0] == '\0'))
		return 0;
	if (found < 0 || iso8601_parse(buf, ms) != 0 || *ms < 0) {
		/* A '+' in a query string reads as a space: an offset must be
		 * sent as %2B. */
		verr_add(errs, at_query, name, "datetime_parsing",
			 "Input should be an ISO 8601 date and time with a time zone, "
			 "e.g. 2026-11-22T10:14:33Z (send a '+' offset as %%2B)");
		return -1;
	}
	secs = (time_t)(*ms / 1000);
	if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999 ||
	    strftime(out, HANDLER_TIME_LEN, "%Y-%m-%d %H:%M:%S", &tm) != 19) {
		verr_add(errs, at_query, name, "value_error", "Input is out of range");
		return -1;
	}
	millis = (unsigned)(*ms % 1000);
	out[19] = '.';
	out[20] = (char)('0' + millis / 100);
	out[21] = (char)('0' + millis / 10 % 10);
	out[22] = (char)('0' + millis % 10);
	out[23] = '\0';
	return 1;
}
