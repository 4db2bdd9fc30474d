/*
 * The person_identification step: the trigger's images (trigger.media_paths)
 * go to the person-ID service ([ai] person_id_url, wire shape in
 * net/person_id.h); the persons it recognises at confidence_threshold or
 * above (among target_persons when given) are person_detections.  When
 * the run has a room (trigger.room_name), each is recorded as a sighting
 * there (source "engine"), and a person whose last known room was another
 * one is a room transition {person_id, name, from_room, to_room}.
 * A trigger without images calls nothing and finds no one.  Without
 * [ai] person_id_url, or when the service fails, the run fails with the
 * reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine/engine.h"
#include "engine/step.h"
#include "net/http.h"
#include "net/person_id.h"
#include "store/store.h"

#define PERSON_ID_IMAGES_MAX 10
#define PERSON_ID_ANSWER_MAX (4 * 1024 * 1024)

/* POST {url}/identify with the request; the answer's detections. */
static int person_id__call(struct step_run *s, const json_t *req, json_t **dets)
{
	const struct hearth_config *cfg = s->e->cfg;
	struct net_request rq = { 0 };
	struct net_response rs = { 0 };
	size_t n = strlen(cfg->ai_person_id_url);
	char *url = NULL, *body = NULL, err[256];
	int rv = -1;
	enum herr e;

	while (n > 0 && cfg->ai_person_id_url[n - 1] == '/')
		n--;
	url = malloc(n + sizeof("/identify"));
	body = json_dumps(req, JSON_COMPACT);
	if (!url || !body) {
		step_fail(s, "out of memory");
		goto out;
	}
	snprintf(url, n + sizeof("/identify"), "%.*s/identify", (int)n, cfg->ai_person_id_url);
	rq.method = "POST";
	rq.url = url;
	rq.content_type = "application/json";
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = cfg->ai_timeout_ms;
	rq.body_max = PERSON_ID_ANSWER_MAX;
	e = net_http(&rq, &rs);
	if (e != HERR_OK) {
		step_fail(s, "person-ID service: %s", rs.error);
		goto out;
	}
	if (!net_response_ok(&rs)) {
		step_fail(s, "the person-ID service answered HTTP %ld", rs.status);
		goto out;
	}
	*dets = person_id_parse_answer(rs.body, rs.body_len,
				       json_number_value(json_object_get(s->config,
									 "confidence_threshold")),
				       json_object_get(s->config, "target_persons"), err, sizeof(err));
	if (!*dets) {
		step_fail(s, "%s", err);
		goto out;
	}
	rv = 0;
out:
	net_response_free(&rs);
	free(url);
	free(body);
	return rv;
}

/* Record the sightings in room; the transitions into trans. */
static int person_id__record(struct step_run *s, const json_t *dets, const char *room,
			     json_t *trans)
{
	const json_t *d;
	size_t i;

	json_array_foreach(dets, i, d) {
		int64_t pid = (int64_t)json_integer_value(json_object_get(d, "person_id"));
		struct sighting_fields f = {
			.room_name = room,
			.source = "engine",
			.has_confidence = true,
			.confidence = json_real_value(json_object_get(d, "confidence")),
		};
		json_t *before = NULL, *seen = NULL;
		const char *from;
		enum herr e;

		e = store_persons_location(s->e->db, pid, &before);
		if (e != HERR_OK && e != HERR_NOT_FOUND)
			return step_fail(s, "could not read the location of person %lld: %s",
					 (long long)pid, herr_str(e));
		e = store_persons_add_sighting(s->e->db, pid, &f, &seen);
		json_decref(seen);
		if (e == HERR_INVALID) {
			/* Enrolled at the service, no longer a person here. */
			json_decref(before);
			continue;
		}
		if (e != HERR_OK) {
			json_decref(before);
			return step_fail(s, "could not record the sighting of person %lld: %s",
					 (long long)pid, herr_str(e));
		}
		from = json_string_value(json_object_get(before, "room_name"));
		if (!from || strcmp(from, room) != 0)
			json_array_append_new(trans,
					      json_pack("{s:I, s:O, s:s?, s:s}", "person_id",
							(json_int_t)pid, "name",
							json_object_get(d, "name"), "from_room", from,
							"to_room", room));
		json_decref(before);
	}
	return 0;
}

int step_run_person_identification(struct step_run *s)
{
	const struct hearth_config *cfg = s->e->cfg;
	const json_t *trigger = json_object_get(s->data, "trigger");
	const json_t *paths = json_object_get(trigger, "media_paths"), *p;
	const char *room = json_string_value(json_object_get(trigger, "room_name"));
	json_t *images = NULL, *req = NULL, *dets = NULL, *trans = json_array(), *out = NULL;
	size_t i;
	int rv = -1;

	if (!cfg || !cfg->ai_person_id_url[0])
		return step_fail(s, "no person-ID service is configured ([ai] person_id_url is empty)");
	if (!(images = json_array()) || !trans) {
		step_fail(s, "out of memory");
		goto out;
	}
	json_array_foreach(paths, i, p) {
		const char *rel = json_string_value(p), *name;
		json_t *data = NULL;

		if (!rel || json_array_size(images) >= PERSON_ID_IMAGES_MAX)
			continue;
		if (step_media_base64(s, rel, "", &data) != 0)
			goto out;
		name = strrchr(rel, '/');
		json_array_append_new(images, json_pack("{s:s, s:o}", "name", name ? name + 1 : rel,
							"data", data));
	}
	if (json_array_size(images) == 0) {
		dets = json_array();
	} else {
		req = json_pack("{s:O, s:O, s:O, s:O}", "images", images, "confidence_threshold",
				json_object_get(s->config, "confidence_threshold"), "person_ids",
				json_object_get(s->config, "target_persons"),
				"include_annotated_image",
				json_object_get(s->config, "include_annotated_image"));
		if (!req) {
			step_fail(s, "out of memory");
			goto out;
		}
		if (person_id__call(s, req, &dets) != 0)
			goto out;
		if (room && *room && person_id__record(s, dets, room, trans) != 0)
			goto out;
	}
	out = json_pack("{s:O, s:O}", "person_detections", dets, "room_transitions", trans);
	if (!out || json_object_update(s->data, out) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = out;
	out = NULL;
	rv = 0;
out:
	json_decref(images);
	json_decref(req);
	json_decref(dets);
	json_decref(trans);
	json_decref(out);
	return rv;
}
