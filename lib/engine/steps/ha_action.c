/*
 * The ha_action step: call a Home Assistant service (domain.service with
 * entity_id and data).  The call is a job in the retry queue, tried at
 * once: ha_action.success tells how that first attempt went, and a failed
 * one goes on being retried, then waits in the dead-letter queue.
 * Without Home Assistant configured nothing is queued and the step says so.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "engine/engine.h"
#include "engine/step.h"
#include "net/ha.h"
#include "net/queue.h"
#include "store/jobs.h"

int step_run_ha_action(struct step_run *s)
{
	const char *domain = json_string_value(json_object_get(s->config, "domain"));
	const char *service = json_string_value(json_object_get(s->config, "service"));
	const char *entity = json_string_value(json_object_get(s->config, "entity_id"));
	const json_t *data = json_object_get(s->config, "data");
	json_t *body = json_is_object(data) ? json_deep_copy(data) : json_object();
	json_t *payload = NULL, *result = NULL;
	char error[JOB_ERROR_MAX] = "";
	bool delivered = false;
	int64_t id = 0;
	enum herr e;
	int rv = -1;

	if (!body || (entity && json_object_set_new(body, "entity_id", json_string(entity)) != 0)) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (!s->e->cfg || !ha_configured(s->e->cfg)) {
		snprintf(error, sizeof(error),
			 "Home Assistant is not configured ([homeassistant] url and token)");
	} else {
		struct job_fields f = {
			.queue = "ha_action",
			.execution_id = s->execution_id,
			.step_id = s->step_id,
		};

		payload = json_pack("{s:s, s:s, s:O}", "domain", domain, "service", service,
				    "data", body);
		f.payload = payload;
		if (!payload) {
			step_fail(s, "out of memory");
			goto out;
		}
		if ((e = store_jobs_create(s->e->db, &f, &id)) != HERR_OK) {
			step_fail(s, "could not queue the Home Assistant call: %s", herr_str(e));
			goto out;
		}
		delivered = queue_try_now(s->e->queue, id, error, sizeof(error));
	}

	result = json_pack("{s:{s:s, s:s, s:s?, s:b}}", "ha_action", "domain", domain, "service",
			   service, "entity_id", entity, "success", delivered);
	if (result) {
		json_t *r = json_object_get(result, "ha_action");

		if (id > 0)
			json_object_set_new(r, "job_id", json_integer(id));
		if (error[0])
			json_object_set_new(r, "error", json_string(error));
	}
	if (!result || json_object_update_new(s->data, json_deep_copy(result)) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = result;
	result = NULL;
	s->counts = true;
	rv = 0;
out:
	json_decref(body);
	json_decref(payload);
	json_decref(result);
	return rv;
}
