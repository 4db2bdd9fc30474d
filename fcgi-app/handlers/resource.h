#ifndef HEARTH_HANDLERS_RESOURCE_H
#define HEARTH_HANDLERS_RESOURCE_H

/*
 * One shape for every resource: a descriptor says what a resource is (its
 * fields, its name in messages, its cache, its store calls), and the
 * generic handlers below do what every resource does with it:
 *
 *   list    page from the query -> 422 | cached page | store list -> reply
 *   get     path id -> store get -> 404 | reply
 *   create  body -> check -> store create -> 409/422 | 201, audit, cache
 *   update  path id -> body -> locked get -> merge -> check -> store update
 *           -> 404/409/422 | 200, audit, cache
 *   delete  path id -> store delete -> 404/409 | 204, audit, cache
 *
 * Each starts from a 500 "out of memory" reply and replaces it once it
 * knows better, so an allocation failure anywhere needs no reply of its
 * own.  Store errors are mapped in one place (resource_error).  A
 * resource that needs more sets a hook; one that does not fit a verb at
 * all keeps its own handler for it and still uses resource_path,
 * resource_start and resource_error.  The route table keeps naming each
 * resource's own h_<resource>_<verb> functions, which call these.
 *
 * Every pointer a function here takes is borrowed unless it says
 * otherwise; every json_t ** gets a new reference.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct ctx;
struct page;
struct response;
struct vfield;

/* Which object a call is about. */
struct resource_key {
	int64_t parent;   /* the parent's id, for a nested resource; else 0 */
	int64_t id;       /* the object's own id; 0 before it exists (create) */
};

struct resource {
	const char *name;            /* "room": "room 7 not found", response_error's what */
	const char *plural;          /* "rooms": what a failed list names */
	const char *scope;           /* the list cursor's scope (ctx_page) */
	bool newest_first;           /* a history: pages by id descending (ctx_page_desc) */
	const char *cache_ns;        /* list pages cached in it (CACHE_NS_*); NULL = none */
	const char *stale[2];        /* cache namespaces a change makes stale; NULL = none */
	const struct vfield *fields; /* the body, for validate_object() and fields_merge() */
	size_t nfields;

	/*
	 * Nested under another resource (steps under rules): the path's "id"
	 * is the parent's, which must exist (its get, its 404); the object's
	 * own id is the capture id_name; its 404 says "step 3 not found in
	 * rule 7"; a change to it is a change to its parent, whose id the
	 * audit row names; and its list is all of the parent's, unpaged.
	 */
	const struct resource *parent;
	const char *id_name;

	/*
	 * Store calls; what one puts in *out is released by the caller, also
	 * when the call fails.  list appends a page to items; filter is
	 * what resource_list_filtered() was given (NULL from h_resource_list).
	 * list_all is a nested resource's list instead.  obj is a checked
	 * whole object: a create body, or the merge of the stored object and
	 * an update.  remove sets *count to what still refers to the object
	 * when it answers HERR_CONFLICT.  A NULL call is a verb the resource
	 * does not have.
	 */
	enum herr (*list)(struct ctx *c, const void *filter, const struct page *pg,
			  json_t *items, bool *has_more);
	enum herr (*list_all)(struct ctx *c, int64_t parent, json_t *items);
	enum herr (*get)(struct ctx *c, const struct resource_key *k, bool lock, json_t **out);
	enum herr (*create)(struct ctx *c, const struct resource_key *k, const json_t *obj,
			    json_t **out);
	enum herr (*update)(struct ctx *c, const struct resource_key *k, const json_t *obj,
			    json_t **out);
	enum herr (*remove)(struct ctx *c, const struct resource_key *k, int64_t *count);

	/* ---- hooks, each optional */

	/* What GET /{id} answers, when it is more than get (lists embedded). */
	enum herr (*detail)(struct ctx *c, const struct resource_key *k, json_t **out);
	/* Check a whole object: its problems go to errs; returns what kept
	 * the database from answering a question the check asked (HERR_OK).
	 * Default: validate_object() with fields. */
	enum herr (*check)(struct ctx *c, const struct resource_key *k, const json_t *obj,
			   json_t *errs);
	/* After an update's merge, before the check: what the merge alone
	 * cannot say (current borrowed, merged changed in place). */
	void (*merged)(const json_t *current, json_t *merged);
	/* Change an object before any reply shows it (hide credentials). */
	void (*shown)(json_t *obj);
	/* The reply to HERR_CONFLICT / HERR_INVALID of create or update
	 * (obj as given to the store).  Returns the status. */
	int (*conflict)(struct response *r, const struct resource_key *k, const json_t *obj);
	int (*invalid)(struct response *r, const json_t *obj);
	/* The reply to HERR_CONFLICT of remove, with its count. */
	int (*in_use)(struct response *r, const struct resource_key *k, int64_t count);
};

/*
 * Where a handler starts: 500 "out of memory", what an allocation failure
 * anywhere on the way answers.  Whatever the handler learns later (its
 * reply, a 422, a store error) replaces it.  Returns 500.
 */
int resource_start(struct response *r);

/* The generic handlers: each returns the status it set on r. */
int h_resource_list(struct ctx *c, struct response *r, const struct resource *res);
int h_resource_get(struct ctx *c, struct response *r, const struct resource *res);
int h_resource_create(struct ctx *c, struct response *r, const struct resource *res);
int h_resource_update(struct ctx *c, struct response *r, const struct resource *res);
int h_resource_delete(struct ctx *c, struct response *r, const struct resource *res);

/*
 * A list with filters from the query, which the caller has read: scope is
 * the cursor's scope naming them (a cursor only continues its own list),
 * errs (consumed; NULL = out of memory) the problems found reading them,
 * filter (borrowed) what res->list is handed.  The page parameters are
 * read after the filters, and their problems follow.
 */
int resource_list_filtered(struct ctx *c, struct response *r, const struct resource *res,
			   const char *scope, json_t *errs, const void *filter);

/*
 * The reply to a store error e about the object k names (its id 0 when it
 * does not exist yet, as on create); obj (may be NULL) is what create or
 * update handed the store.  HERR_NOT_FOUND is 404 "<name> <id> not
 * found" ("... in <parent> <id>" when nested; the parent's 404 when
 * nothing of its own exists yet); HERR_CONFLICT and HERR_INVALID with obj
 * go to the conflict and invalid hooks; HERR_NOMEM is the 500 a handler
 * starts from; anything else is response_error() with the name.  Returns
 * the status.
 */
int resource_error(struct response *r, const struct resource *res, enum herr e,
		   const struct resource_key *k, const json_t *obj);

/*
 * The object the path names: for a nested resource k->parent, which must
 * exist; and k->id when want_id.  0, or -1 with r set (422 for a bad id,
 * the parent's 404).
 */
int resource_path(struct ctx *c, struct response *r, const struct resource *res, bool want_id,
		  struct resource_key *k);

/* Resources others nest under. */
extern const struct resource rules_resource;
extern const struct resource cameras_resource;

#endif
