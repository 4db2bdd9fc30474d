#ifndef HEARTH_NET_PERSON_ID_H
#define HEARTH_NET_PERSON_ID_H

/*
 * The person-identification service ([ai] person_id_url), which knows the
 * household's enrolled faces.  Its wire shape, all JSON:
 *
 *   POST {url}/identify
 *     {"images": [{"name": "snapshot_....jpg", "data": base64}, ...],
 *      "confidence_threshold": 0.6, "person_ids": [ids] (empty = anyone),
 *      "include_annotated_image": false}
 *   -> {"detections": [{"person_id": 3, "name": "Ana", "confidence": 0.91,
 *                       "bbox": [x, y, w, h], "image_index": 0}, ...],
 *       "annotated_image": base64 (only when asked)}
 *
 * Pure parsing here; the step (engine/steps/person_identification.c) makes
 * the call through net/http.h with the [ai] timeout and the outbound URL
 * policy.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The detections of an /identify answer (body, len bytes; outside input)
 * that reach threshold and, when targets (borrowed array of ids) is
 * non-empty, name one of them: a new reference to an array of
 * {person_id, name|null, confidence, bbox|null} in the service's order.  A detection without a positive integer person_id
 * (an unknown face) is left out.  NULL with the reason in err when the
 * answer is not that shape.  Pure.
 */
json_t *person_id_parse_answer(const char *body, size_t len, double threshold,
			       const json_t *targets, char *err, size_t errlen);

#endif
