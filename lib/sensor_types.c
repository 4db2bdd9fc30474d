/*
 * The sensor type registry.  One row per type; validation, the JSON Schema
 * served by GET /sensor-types and the defaults all come from the same row,
 * so they cannot drift apart.
 *
 * Home types (camera, presence, button, light, eink) carry their own few
 * config keys.  GPIO kinds all share the same keys (gpio, enabled,
 * hold_seconds, invert_logic) and differ in their default pin, their wiring
 * and the keys of their `calibration` object.  A config is stored as given;
 * whoever drives the sensor applies the defaults listed here.
 */
#include <string.h>

#include "media/grab.h"
#include "net/http.h"
#include "sensor_types.h"
#include "validate.h"

enum st_category { ST_HOME, ST_GPIO };

/* Extra shape checks on string values, beyond their length. */
enum st_format {
	FMT_NONE,
	FMT_STREAM_URL,  /* rtsp, rtsps, http or https */
	FMT_HTTP_URL,    /* http or https */
	FMT_HA_ENTITY,   /* Home Assistant entity id: "domain.object_id" */
	FMT_EINK_MODE,   /* rgb, 1bit or 4grey */
};

struct st_param {
	const char *name;
	enum vtype type;       /* V_INT, V_BOOL or V_STRING */
	long long min, max;    /* V_INT: range; V_STRING: length */
	bool has_default;
	long long def;         /* V_INT value, or V_BOOL 0/1 */
	enum st_format format;
	const char *help;
};

#define ST_MAX_PARAMS 6

struct sensor_type {
	const char *name;
	const char *description;
	enum st_category category;
	const char *wiring;         /* GPIO kinds only */
	int default_gpio;           /* GPIO kinds only */
	/* Home types: the config keys.  GPIO kinds: the calibration keys. */
	struct st_param params[ST_MAX_PARAMS];
};

#define INT_PARAM(n, lo, hi, d, h) {(n), V_INT, (lo), (hi), true, (d), FMT_NONE, (h)}
#define STR_PARAM(n, hi, fmt, h) {(n), V_STRING, 1, (hi), false, 0, (fmt), (h)}

/* BCM numbering: the 28 pins of the 40-pin header. */
#define GPIO_MAX 27
#define HOLD_SECONDS_MAX 3600
#define HOLD_SECONDS_DEFAULT 10

static const struct sensor_type sensor_types[] = {
	/* ---- home types (seed 000) */
	{"camera", "Video camera (reCamera or IP camera)", ST_HOME, NULL, 0, {
		STR_PARAM("stream_url", 2048, FMT_STREAM_URL,
			  "Live stream URL (rtsp://, rtsps://, http:// or https://)"),
		STR_PARAM("snapshot_url", 2048, FMT_HTTP_URL,
			  "URL that returns a still JPEG (http:// or https://)"),
	}},
	{"presence", "PIR/mmWave occupancy sensor (via Home Assistant)", ST_HOME, NULL, 0, {
		STR_PARAM("ha_entity_id", 255, FMT_HA_ENTITY,
			  "Home Assistant entity, e.g. binary_sensor.kitchen_occupancy"),
	}},
	{"button", "Physical button (reTerminal)", ST_HOME, NULL, 0, {{0}}},
	{"light", "Illuminance sensor (via Home Assistant)", ST_HOME, NULL, 0, {
		STR_PARAM("ha_entity_id", 255, FMT_HA_ENTITY,
			  "Home Assistant entity, e.g. sensor.kitchen_illuminance"),
	}},
	{"contact", "Door or window contact (via Home Assistant)", ST_HOME, NULL, 0, {
		STR_PARAM("ha_entity_id", 255, FMT_HA_ENTITY,
			  "Home Assistant entity, e.g. binary_sensor.front_door"),
	}},
	{"eink", "E-ink display device", ST_HOME, NULL, 0, {
		INT_PARAM("width", 1, 4096, 800, "Display width in pixels"),
		INT_PARAM("height", 1, 4096, 480, "Display height in pixels"),
		STR_PARAM("eink_mode", 5, FMT_EINK_MODE,
			  "How pictures are drawn for it: rgb (default), 1bit (black and white, "
			  "dithered) or 4grey (four greys, dithered)"),
	}},

	/* ---- GPIO kinds (seed 003) */
	{"reed_switch", "Magnetic reed switch on a door or window (GPIO)", ST_GPIO,
	 "One lead to the GPIO pin, the other to GND. The internal pull-up is enabled, "
	 "so the pin reads LOW while the magnet holds the contact closed and HIGH "
	 "(trigger) when the door or window opens.",
	 22, {
		INT_PARAM("debounce_ms", 0, 1000, 50,
			  "Ignore contact bounce shorter than this many milliseconds"),
	}},
	{"pir", "Passive infrared motion sensor (GPIO)", ST_GPIO,
	 "VCC to 5V (pin 2), GND to GND (pin 6), OUT to the GPIO pin. The output is "
	 "3.3 V logic and goes HIGH on motion.",
	 17, {
		INT_PARAM("retrigger_seconds", 0, 600, 5,
			  "Motion within this many seconds of the last trigger extends it "
			  "instead of starting a new one"),
		INT_PARAM("warmup_seconds", 0, 300, 60,
			  "Ignore the sensor this long after start-up while it settles"),
	}},
	{"vibration", "Vibration or shock sensor, e.g. SW-420 (GPIO)", ST_GPIO,
	 "VCC to 3.3V (pin 1), GND to GND, DO to the GPIO pin. Set the sensitivity "
	 "with the module's potentiometer.",
	 5, {
		INT_PARAM("pulse_count", 1, 100, 3, "Pulses needed to trigger"),
		INT_PARAM("pulse_window", 1, 60, 5,
			  "Seconds within which pulse_count pulses must arrive"),
	}},
	{"hall_digital", "Digital Hall-effect magnetic sensor, e.g. A3144 (GPIO)", ST_GPIO,
	 "VCC to 3.3V, GND to GND, OUT to the GPIO pin. The open-collector output "
	 "uses the internal pull-up and goes LOW near a magnet; set invert_logic to "
	 "trigger when the magnet arrives rather than when it leaves.",
	 13, {
		INT_PARAM("debounce_ms", 0, 1000, 20,
			  "Ignore changes shorter than this many milliseconds"),
	}},
	{"water_leak", "Water leak probe with a digital output (GPIO)", ST_GPIO,
	 "VCC to 3.3V, GND to GND, DO to the GPIO pin. Most probe boards pull DO LOW "
	 "when wet: set invert_logic for those.",
	 6, {
		INT_PARAM("debounce_ms", 0, 10000, 2000,
			  "Water must be sensed this many milliseconds before a trigger; "
			  "filters out splashes"),
	}},
};

#define SENSOR_TYPES_COUNT (sizeof(sensor_types) / sizeof(sensor_types[0]))

static const char *const st_categories[] = {[ST_HOME] = "home", [ST_GPIO] = "gpio"};

/* The keys every GPIO kind shares; gpio's default comes from the type. */
static const struct st_param gpio_common[] = {
	INT_PARAM("gpio", 0, GPIO_MAX, 0, "BCM GPIO pin number"),
	{"enabled", V_BOOL, 0, 0, true, 1, FMT_NONE, "Whether the sensor is active"},
	INT_PARAM("hold_seconds", 0, HOLD_SECONDS_MAX, HOLD_SECONDS_DEFAULT,
		  "Seconds to keep recording after the sensor releases"),
	{"invert_logic", V_BOOL, 0, 0, true, 0, FMT_NONE,
	 "Swap trigger and release, e.g. trigger on LOW instead of HIGH"},
};

#define GPIO_COMMON_COUNT (sizeof(gpio_common) / sizeof(gpio_common[0]))

static const char *const at_config[] = {"body", "config", NULL};
static const char *const at_calibration[] = {"body", "config", "calibration", NULL};

const struct sensor_type *sensor_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < SENSOR_TYPES_COUNT; i++)
		if (strcmp(sensor_types[i].name, name) == 0)
			return &sensor_types[i];
	return NULL;
}

size_t sensor_types_count(void)
{
	return SENSOR_TYPES_COUNT;
}

const struct sensor_type *sensor_type_at(size_t i)
{
	return i < SENSOR_TYPES_COUNT ? &sensor_types[i] : NULL;
}

const char *sensor_type_name(const struct sensor_type *t)
{
	return t->name;
}

static size_t st__params_count(const struct sensor_type *t)
{
	size_t n = 0;

	while (n < ST_MAX_PARAMS && t->params[n].name)
		n++;
	return n;
}

/* Copy params into a vfield table for validate_object; returns the count. */
static size_t st__vfields(const struct st_param *p, size_t n, struct vfield *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (struct vfield){p[i].name, p[i].type, 0, p[i].min, p[i].max, NULL};
	return n;
}

/* Whether a problem at prefix+name was added at or after index from. */
static bool st__reported(const json_t *errs, size_t from, const char *name)
{
	for (size_t i = from; i < json_array_size(errs); i++) {
		const json_t *loc = json_object_get(json_array_get(errs, i), "loc");
		size_t n = json_array_size(loc);

		const char *last = json_string_value(json_array_get(loc, n - 1));

		if (n == 3 && last && strcmp(last, name) == 0)
			return true;
	}
	return false;
}

/* "scheme://" followed by something without white space or control bytes. */
static bool st__url_ok(const char *s, const char *const *schemes)
{
	for (size_t i = 0; schemes[i]; i++) {
		size_t n = strlen(schemes[i]);
		const char *rest;

		if (strncmp(s, schemes[i], n) != 0 || strncmp(s + n, "://", 3) != 0)
			continue;
		rest = s + n + 3;
		if (*rest == '\0')
			return false;
		for (; *rest; rest++)
			if ((unsigned char)*rest <= ' ' || *rest == 0x7f)
				return false;
		return true;
	}
	return false;
}

static bool st__entity_part(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool st__entity_ok(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot && st__entity_part(s, (size_t)(dot - s)) &&
	       st__entity_part(dot + 1, strlen(dot + 1));
}

static const char *const stream_schemes[] = {"rtsp", "rtsps", "http", "https", NULL};
static const char *const http_schemes[] = {"http", "https", NULL};

/* A camera URL Hearth will connect to passes the outbound policy, like
 * every outbound URL (user information allowed: the API redacts it). */
static size_t st__check_policy(const struct st_param *p, const char *s, json_t *errs)
{
	char why[256];

	if (camera_url_check(net_policy(), s, why, sizeof(why)) == 0)
		return 0;
	verr_add(errs, at_config, p->name, "url_policy", "URL refused: %s", why);
	return 1;
}

/* Check the shape of one string value; 1 if a problem was added. */
static size_t st__check_format(const struct st_param *p, const char *s, json_t *errs)
{
	switch (p->format) {
	case FMT_NONE:
		return 0;
	case FMT_STREAM_URL:
		if (st__url_ok(s, stream_schemes))
			return st__check_policy(p, s, errs);
		verr_add(errs, at_config, p->name, "url_scheme",
			 "URL should start with rtsp://, rtsps://, http:// or https:// "
			 "and contain no spaces");
		return 1;
	case FMT_HTTP_URL:
		if (st__url_ok(s, http_schemes))
			return st__check_policy(p, s, errs);
		verr_add(errs, at_config, p->name, "url_scheme",
			 "URL should start with http:// or https:// and contain no spaces");
		return 1;
	case FMT_HA_ENTITY:
		if (st__entity_ok(s))
			return 0;
		verr_add(errs, at_config, p->name, "value_error",
			 "Entity id should look like 'domain.object_id' (lowercase letters, "
			 "digits and underscores)");
		return 1;
	case FMT_EINK_MODE:
		if (strcmp(s, "rgb") == 0 || strcmp(s, "1bit") == 0 || strcmp(s, "4grey") == 0)
			return 0;
		verr_add(errs, at_config, p->name, "enum", "Input should be 'rgb', '1bit' or '4grey'");
		return 1;
	}
	return 0;
}

size_t sensor_type_validate_config(const struct sensor_type *t, const json_t *config,
				   json_t *errs)
{
	struct vfield f[GPIO_COMMON_COUNT + ST_MAX_PARAMS + 1];
	size_t n, nparams = st__params_count(t), start = json_array_size(errs), problems;

	if (t->category == ST_GPIO) {
		n = st__vfields(gpio_common, GPIO_COMMON_COUNT, f);
		f[n++] = (struct vfield){"calibration", V_OBJECT, 0, 0, 0, NULL};
	} else {
		n = st__vfields(t->params, nparams, f);
	}
	problems = validate_object(config, at_config, f, n, false, errs);

	if (t->category == ST_GPIO) {
		const json_t *cal = json_object_get(config, "calibration");

		if (json_is_object(cal)) {
			n = st__vfields(t->params, nparams, f);
			problems += validate_object(cal, at_calibration, f, n, false, errs);
		}
		return problems;
	}

	for (size_t i = 0; i < nparams; i++) {
		const json_t *v = json_object_get(config, t->params[i].name);

		if (t->params[i].format == FMT_NONE || !json_is_string(v) ||
		    st__reported(errs, start, t->params[i].name))
			continue;
		problems += st__check_format(&t->params[i], json_string_value(v), errs);
	}
	return problems;
}

/* ---------------------------------------------------------------- schema */

static json_t *st__default_value(const struct st_param *p, long long def)
{
	return p->type == V_BOOL ? json_boolean(def) : json_integer(def);
}

/* JSON Schema of one parameter; def overrides p->def (gpio's per-type pin). */
static json_t *st__param_schema(const struct st_param *p, long long def)
{
	json_t *s = NULL;

	switch (p->type) {
	case V_INT:
		s = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum", (json_int_t)p->min,
			      "maximum", (json_int_t)p->max);
		break;
	case V_BOOL:
		s = json_pack("{s:s}", "type", "boolean");
		break;
	case V_STRING:
		s = json_pack("{s:s, s:I, s:I}", "type", "string", "minLength", (json_int_t)p->min,
			      "maxLength", (json_int_t)p->max);
		break;
	default:
		return NULL;
	}
	if (!s)
		return NULL;
	switch (p->format) {
	case FMT_NONE:
		break;
	case FMT_STREAM_URL:
		json_object_set_new(s, "format", json_string("uri"));
		json_object_set_new(s, "pattern", json_string("^(rtsp|rtsps|http|https)://\\S+$"));
		break;
	case FMT_HTTP_URL:
		json_object_set_new(s, "format", json_string("uri"));
		json_object_set_new(s, "pattern", json_string("^https?://\\S+$"));
		break;
	case FMT_HA_ENTITY:
		json_object_set_new(s, "pattern", json_string("^[a-z0-9_]+\\.[a-z0-9_]+$"));
		break;
	case FMT_EINK_MODE:
		json_object_set_new(s, "enum", json_pack("[sss]", "rgb", "1bit", "4grey"));
		break;
	}
	if (p->has_default)
		json_object_set_new(s, "default", st__default_value(p, def));
	json_object_set_new(s, "description", json_string(p->help));
	return s;
}

/*
 * {"type": "object", "properties": {...}, "additionalProperties": false}
 * for a set of params, and their defaults into *defaults (a new object).
 */
static json_t *st__object_schema(const struct st_param *p, size_t n, int gpio_default,
				 json_t **defaults)
{
	json_t *props = json_object(), *defs = json_object(), *schema = NULL;

	if (!props || !defs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		long long def = strcmp(p[i].name, "gpio") == 0 ? gpio_default : p[i].def;

		json_object_set_new(props, p[i].name, st__param_schema(&p[i], def));
		if (p[i].has_default)
			json_object_set_new(defs, p[i].name, st__default_value(&p[i], def));
	}
	schema = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
			   "additionalProperties", 0);
	props = NULL;
	if (schema) {
		*defaults = defs;
		defs = NULL;
	}
out:
	json_decref(props);
	json_decref(defs);
	return schema;
}

json_t *sensor_type_to_json(const struct sensor_type *t)
{
	json_t *schema = NULL, *defaults = NULL, *out = NULL;
	size_t nparams = st__params_count(t);

	if (t->category == ST_GPIO) {
		json_t *cal = NULL, *cal_defaults = NULL;

		schema = st__object_schema(gpio_common, GPIO_COMMON_COUNT, t->default_gpio, &defaults);
		if (!schema)
			goto out;
		cal = st__object_schema(t->params, nparams, 0, &cal_defaults);
		if (!cal)
			goto out;
		json_object_set_new(cal, "description",
				    json_string("Calibration parameters of this sensor kind"));
		json_object_set(cal, "default", cal_defaults);
		json_object_set_new(json_object_get(schema, "properties"), "calibration", cal);
		json_object_set_new(defaults, "calibration", cal_defaults);
	} else {
		schema = st__object_schema(t->params, nparams, 0, &defaults);
		if (!schema)
			goto out;
	}

	out = json_pack("{s:s, s:s, s:s, s:O, s:O}", "name", t->name,
			"description", t->description, "category", st_categories[t->category],
			"config_schema", schema, "defaults", defaults);
	if (out && t->wiring)
		json_object_set_new(out, "wiring", json_string(t->wiring));
out:
	json_decref(schema);
	json_decref(defaults);
	return out;
}

/* ---- sensor input: which events each kind of sensor can report */

static const char *const ev_presence[] = {"on", "off", NULL};
static const char *const ev_button[] = {"press", "double_press", "long_press", NULL};
static const char *const ev_contact[] = {"open", "close", NULL};
static const char *const ev_light[] = {"level", NULL};
/* A GPIO input is a pin that goes active and inactive, whatever is wired. */
static const char *const ev_gpio[] = {"trigger", "release", NULL};

static const struct {
	const char *type;
	const char *const *events;
} st_events[] = {
	{"presence", ev_presence},
	{"pir", ev_presence},
	{"button", ev_button},
	{"light", ev_light},
	{"contact", ev_contact},
	{"reed_switch", ev_contact},
	{"hall_digital", ev_contact},
};

/* The type's own events (beyond the GPIO pair), or NULL. */
static const char *const *st__own_events(const struct sensor_type *t)
{
	for (size_t i = 0; i < sizeof(st_events) / sizeof(st_events[0]); i++)
		if (strcmp(st_events[i].type, t->name) == 0)
			return st_events[i].events;
	return NULL;
}

size_t sensor_type_events(const struct sensor_type *t, const char **out, size_t max)
{
	const char *const *lists[2] = {NULL, NULL};
	size_t n = 0;

	if (t) {
		lists[0] = st__own_events(t);
		lists[1] = t->category == ST_GPIO ? ev_gpio : NULL;
	}
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && lists[l][i] && n < max; i++)
			out[n++] = lists[l][i];
	out[n] = NULL;
	return n;
}

bool sensor_type_accepts_event(const struct sensor_type *t, const char *event_type)
{
	const char *events[8];
	size_t n;

	if (!t || !event_type)
		return false;
	n = sensor_type_events(t, events, sizeof(events) / sizeof(events[0]) - 1);
	for (size_t i = 0; i < n; i++)
		if (strcmp(events[i], event_type) == 0)
			return true;
	return false;
}
