#ifndef HEARTH_ENGINE_REGISTRY_SCHEMA_H
#define HEARTH_ENGINE_REGISTRY_SCHEMA_H

/*
 * Private to the registries (registry_steps.c, registry_filters.c,
 * registry_channels.c): the description of one config key, from which both
 * the 422 validation and the JSON Schema served by /pipeline/... are made,
 * so the two cannot drift apart.
 *
 * validate.h's vfield covers strings, integers, booleans and objects; step
 * configs also hold real numbers (confidences), arrays (channels, days,
 * person ids) and arrays of objects (verification conditions), and carry
 * defaults and help text.  Scalars are still checked by validate_object, so
 * their messages are the same everywhere in the API.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "validate.h"

enum rp_type {
	RP_STRING,       /* min/max: length in characters */
	RP_INT,          /* min/max: inclusive range */
	RP_ID,           /* positive integer */
	RP_BOOL,
	RP_NUMBER,       /* integer or real; min/max: inclusive range */
	RP_OBJECT,       /* any object, unless check says more */
	RP_INT_ARRAY,    /* integers; min/max: each item's range */
	RP_ID_ARRAY,     /* positive integers */
	RP_STRING_ARRAY, /* strings; min/max: each item's length; choices: allowed items */
	RP_OBJECT_ARRAY, /* objects described by items/nitems */
};

/* Checks beyond type and bounds, run once those passed. */
enum rp_check {
	RC_NONE,
	RC_CONDITION,         /* cond_parse accepts it */
	RC_TEMPLATE,          /* template_check accepts it */
	RC_HTTP_URL,          /* http:// or https://, no white space */
	RC_HHMM,              /* "HH:MM", 00:00 to 23:59 */
	RC_KEY,               /* a pipeline_data key: [A-Za-z0-9_]+ */
	RC_CHANNEL_TEMPLATES, /* {channel name: template} */
};

/* Flags: V_REQUIRED, V_NULLABLE, V_NONEMPTY from validate.h, and these. */
enum {
	RP_UNIQUE = 1 << 8,     /* arrays: no item twice */
	RP_MIN_ITEMS = 1 << 9,  /* arrays: at least one item */
};

/* Longest array a config may hold. */
#define RP_MAX_ITEMS 256

struct rparam {
	const char *name;
	enum rp_type type;
	unsigned flags;
	double min, max;              /* as vfield: 0, 0 = none; max < min = no upper bound */
	const char *const *choices;   /* strings, string arrays: NULL-terminated, or NULL */
	const char *def;              /* the default as JSON text ("30", "\"info\""), or NULL */
	enum rp_check check;
	const struct rparam *items;   /* RP_OBJECT_ARRAY: the items' keys */
	size_t nitems;
	const char *help;
};

#define RP_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The channel names in registry order, NULL-terminated (registry_channels.c). */
extern const char *const rs_channel_names[];
/* emergency, warning, info, reminder; NULL-terminated (registry_channels.c). */
extern const char *const rs_alert_levels[];

/*
 * The keys a notification step and a channel share, so the step's schema
 * and the channel's schema say the same thing.
 */
#define RP_PARAM_WEBHOOK_URL \
	{"webhook_url", RP_STRING, 0, 1, 2048, NULL, NULL, RC_HTTP_URL, NULL, 0, \
	 "URL the webhook channel POSTs the notification to (http:// or https://)"}
#define RP_PARAM_EINK_TARGETS \
	{"eink_targets", RP_ID_ARRAY, RP_UNIQUE, 0, 0, NULL, "[]", RC_NONE, NULL, 0, \
	 "Sensor ids of the e-ink displays to render onto; empty = every display"}
#define RP_PARAM_EINK_EXPIRY \
	{"eink_expiry_minutes", RP_INT, 0, 1, 10080, NULL, "30", RC_NONE, NULL, 0, \
	 "Minutes the message stays on the displays"}

/*
 * Check obj (borrowed; NULL = {}) against params: unknown keys, required
 * keys, types, bounds, then the semantic checks.  When one_of is not NULL
 * (NULL-terminated names), at least one of those keys must be present.
 * Problems go to errs under prefix (both borrowed); returns how many.
 */
size_t rs_validate(const struct rparam *params, size_t n, const char *const *one_of,
		   const json_t *obj, const char *const *prefix, json_t *errs);

/*
 * A new JSON Schema object for params: {"type": "object", "properties",
 * "required", "additionalProperties": false, "anyOf" (from one_of)}.  When
 * defaults is not NULL, *defaults receives a new object of the keys'
 * defaults.  NULL when memory runs out.
 */
json_t *rs_object_schema(const struct rparam *params, size_t n, const char *const *one_of,
			 json_t **defaults);

/*
 * Copy prefix into out (cap entries) and append a and b (either may be
 * NULL), keeping out NULL-terminated; returns out.  Entries that do not fit
 * are dropped, which only shortens a loc.
 */
const char **rs_prefix(const char *const *prefix, const char *a, const char *b,
		       const char **out, size_t cap);

/* Whether a problem with loc prefix+name was added at or after index from. */
bool rs_reported(const json_t *errs, size_t from, const char *const *prefix,
		 const char *name);

#endif
