#ifndef HEARTH_MEDIA_SNAPSHOT_H
#define HEARTH_MEDIA_SNAPSHOT_H

/*
 * A snapshot taken: a JPEG grabbed from a camera (grab.h), put in place
 * under the media root's snapshots/ (files.h: written under .tmp, moved
 * into place, then the row), kept as a media row of kind snapshot, and the
 * camera marked seen.  POST /api/v1/cameras/{id}/snapshot is this call.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "media/limits.h"

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
	char rel_path[MEDIA_REL_MAX + 1]; /* on HERR_OK: the file, under the media root */
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

/*
 * Keep a JPEG a camera sent by itself (a reCamera's upload) as a snapshot
 * of cam (borrowed) taken now: jpeg (len bytes, borrowed) is written under
 * snapshots/ at a path Hearth chooses, width and height as the caller read
 * them with media_jpeg_size(), its row and the camera's status in the
 * caller's transaction.  The same outcomes as media_snapshot_take but for
 * CAMERA (nothing is grabbed); the file is removed again on any failure
 * here.
 */
enum herr media_snapshot_keep(const struct hearth_config *cfg, struct db *db,
			      const struct camera *cam, const void *jpeg, size_t len,
			      unsigned width, unsigned height, struct snapshot_result *out);

#endif
