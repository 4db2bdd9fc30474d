/*
 * /api/v1/calibration: the thresholds that turn a security event's risk
 * score into its level, and the feedback that moves them
 * (security/risk.h has the rules).  A change reads, merges, checks and
 * writes with the document locked, so two partial updates at once cannot
 * undo each other.
 */
#include <inttypes.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "security/risk.h"
#include "store/security_events.h"

static const char *const feedback_types[] = {
	"correct", "false_positive", "missed_threat", "severity_wrong", NULL
};
static const char *const risk_levels[] = {"low", "medium", "high", "critical", NULL};

static const struct vfield feedback_fields[] = {
	{"event_id", V_ID, V_REQUIRED, 0, 0, NULL},
	{"feedback_type", V_STRING, V_REQUIRED, 0, 0, feedback_types},
	{"expected_level", V_STRING, V_NULLABLE, 0, 0, risk_levels},
	{"notes", V_STRING, V_NULLABLE, 0, 1024, NULL},
};

static int calibration__reply(struct response *r, const struct risk_calibration *cal)
{
	return ctx_reply(r, 200, risk_calibration_json(cal));
}

int h_calibration_get(struct ctx *c, struct response *r)
{
	struct risk_calibration cal;
	enum herr e = store_calibration_get(c->app->db, false, &cal);

	if (e != HERR_OK)
		return response_error(r, e, "calibration");
	return calibration__reply(r, &cal);
}

int h_calibration_defaults(struct ctx *c, struct response *r)
{
	struct risk_calibration cal;

	(void)c;
	risk_calibration_defaults(&cal);
	return calibration__reply(r, &cal);
}

/* PUT (partial false) and PATCH (partial true). */
static int calibration__update(struct ctx *c, struct response *r, bool partial)
{
	struct risk_calibration cur, next;
	json_t *errs = json_array(), *body = ctx_body(c);
	enum herr e;
	int status = resource_start(r);

	if (!errs || !body)
		goto out;
	if ((e = store_calibration_get(c->app->db, true, &cur)) != HERR_OK) {
		status = response_error(r, e, "calibration");
		goto out;
	}
	if (risk_calibration_merge(&cur, body, partial, errs, &next) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = store_calibration_put(c->app->db, &next)) != HERR_OK) {
		status = response_error(r, e, "calibration");
		goto out;
	}
	ctx_changed(c, 0, NULL, NULL);
	status = calibration__reply(r, &next);
out:
	json_decref(errs);
	json_decref(body);
	return status;
}

int h_calibration_put(struct ctx *c, struct response *r)
{
	return calibration__update(c, r, false);
}

int h_calibration_patch(struct ctx *c, struct response *r)
{
	return calibration__update(c, r, true);
}

int h_calibration_reset(struct ctx *c, struct response *r)
{
	struct risk_calibration cal;
	enum herr e = store_calibration_reset(c->app->db);

	if (e != HERR_OK)
		return response_error(r, e, "calibration");
	risk_calibration_defaults(&cal);
	return calibration__reply(r, &cal);
}

int h_calibration_feedback(struct ctx *c, struct response *r)
{
	json_t *errs = json_array(), *body = ctx_body(c), *cal = NULL, *fb = NULL;
	struct feedback_fields f = {0};
	enum herr e;
	int status = resource_start(r);

	if (!errs || !body)
		goto out;
	validate_object(body, at_body, feedback_fields,
			sizeof(feedback_fields) / sizeof(feedback_fields[0]), false, errs);
	if (json_array_size(errs) == 0) {
		f.event_id = json_integer_value(json_object_get(body, "event_id"));
		f.type_name = json_string_value(json_object_get(body, "feedback_type"));
		f.expected_level = json_string_value(json_object_get(body, "expected_level"));
		f.notes = json_string_value(json_object_get(body, "notes"));
		risk_feedback_parse(f.type_name, &f.type);
		if (f.type == RISK_FB_SEVERITY_WRONG && !f.expected_level)
			verr_add(errs, at_body, "expected_level", "missing",
				 "severity_wrong needs the level the event should have had");
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	e = store_calibration_feedback(c->app->db, &f, &cal, &fb);
	if (e == HERR_NOT_FOUND) {
		status = response_detail(r, 404, "security event %" PRId64 " not found", f.event_id);
		goto out;
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "feedback");
		goto out;
	}
	ctx_changed(c, json_integer_value(json_object_get(fb, "id")), NULL, NULL);
	status = ctx_reply(r, 201, json_pack("{s:o, s:o}", "calibration", cal, "feedback", fb));
	cal = fb = NULL;
out:
	json_decref(errs);
	json_decref(body);
	json_decref(cal);
	json_decref(fb);
	return status;
}
