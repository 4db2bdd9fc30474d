#ifndef HEARTH_MEDIA_RECORDING_H
#define HEARTH_MEDIA_RECORDING_H

/*
 * A recording registered: a video file (from a camera's incoming folder or
 * an upload) probed, moved to its place under recordings/, and recorded
 * as a media row of kind recording with a thumbnail and, from 2 s up, a
 * sprite as child rows (store/media.h, store/recordings.h).
 *
 * The rows go into the caller's transaction.  On any failure nothing stays
 * under the media root: an upload's temporary file is removed and an
 * incoming file is put back where it was.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct hearth_config;

/* The file to register and whose it is; strings borrowed. */
struct recording_source {
	int64_t camera_id;
	const char *camera_name;   /* the camera's name now */
	int64_t taken_at_ms;       /* ms since the epoch; 0 = now */
	const char *src_abs;       /* the incoming file or the upload's temporary file */
	bool src_is_tmp;           /* ours to delete when anything fails */
};

/*
 * Register s as a recording (above).  *id gets the new row's id and *rec
 * the recording JSON (store_recordings_get), a new reference.
 * HERR_INVALID with *refusal (static text, for the file field) when the
 * file is not a video worth keeping; any other error with *refusal NULL
 * (store errors as the store returns them, HERR_INTERNAL when the file
 * cannot be placed).
 */
enum herr media_recording_register(struct db *db, const struct hearth_config *cfg,
				   const struct recording_source *s, int64_t *id, json_t **rec,
				   const char **refusal);

#endif
