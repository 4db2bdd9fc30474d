#ifndef HEARTH_MEDIA_SNAPSHOT_H
#define HEARTH_MEDIA_SNAPSHOT_H

/*
 * A snapshot taken: a JPEG grabbed from a camera (grab.h), put in place
 * under the media root's snapshots/ (files.h: written under .tmp, moved
 * into place, then the row), kept as a media row of kind snapshot, and the
 * camera marked seen.  POST /api/v1/cameras/{id}/snapshot is this call.
 */
#include <stdint.h>

#include "err.h"

struct camera;
struct db;
struct hearth_config;

/* Why a snapshot was not taken, other than the database. */
enum snapshot_fault {
	SNAPSHOT_FAULT_NONE,
	SNAPSHOT_FAULT_CAMERA,   /* the camera gave no JPEG; why says what */
	SNAPSHOT_FAULT_STORAGE,  /* nothing can be written under the media root (logged) */
};

struct snapshot_result {
	int64_t id;                  /* the new snapshot's media row */
	enum snapshot_fault fault;
	char why[256];               /* SNAPSHOT_FAULT_CAMERA: a one-line reason, never a URL */
};

/*
 * Take a snapshot of cam (borrowed; enabled, with a snapshot_url or a
 * stream_url) now.  Its row and the camera's status are written in the
 * caller's transaction; its file is in place once this returns HERR_OK,
 * and is removed again on any failure here.  Should the caller's
 * transaction roll back after all, the file is an orphan that cleanup
 * removes.
 *
 * HERR_OK with out->id.  HERR_INTERNAL with out->fault CAMERA (the camera
 * failed: the caller records it with store_camera_failed() where that
 * survives its own rollback) or STORAGE; otherwise a database error with
 * fault NONE.
 */
enum herr media_snapshot_take(const struct hearth_config *cfg, struct db *db,
			      const struct camera *cam, struct snapshot_result *out);

#endif
