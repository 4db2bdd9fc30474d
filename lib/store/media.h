#ifndef HEARTH_STORE_MEDIA_H
#define HEARTH_STORE_MEDIA_H

/*
 * The media table (sql/006_media.sql): one row per file under the media
 * root.  Shared by snapshots, recordings, timelapses, detection images and
 * cleanup; each resource's own queries live in its own store file.
 *
 * Media JSON (what the API shows; never the path):
 *   {id, kind, camera_id|null, camera_name|null, parent_id|null, mime,
 *    size_bytes, width|null, height|null, duration_ms|null, day|null,
 *    taken_at, created_at}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "media/limits.h"

struct db;

#define MEDIA_KIND_MAX 17      /* VARCHAR(16) + NUL */
#define MEDIA_MIME_MAX 65

/* A new row; borrowed strings, 0 / NULL / -1 as noted = none. */
struct media_fields {
	const char *kind;           /* snapshot, recording, thumbnail, sprite, ... */
	int64_t camera_id;          /* 0 = none */
	const char *camera_name;    /* NULL = none */
	int64_t parent_id;          /* 0 = none */
	const char *rel_path;       /* media_rel_path_ok() */
	const char *mime;           /* "image/jpeg", "video/mp4" */
	uint64_t size_bytes;
	unsigned width, height;     /* 0 = unknown */
	int64_t duration_ms;        /* -1 = unknown */
	const char *day;            /* "YYYY-MM-DD" or NULL */
	int64_t taken_at_ms;        /* 0 = now */
};

/* What serving or deleting a file needs. */
struct media_row {
	int64_t id;
	char kind[MEDIA_KIND_MAX];
	int64_t camera_id;          /* 0 = none */
	int64_t parent_id;          /* 0 = none */
	char rel_path[MEDIA_REL_MAX + 1];
	char mime[MEDIA_MIME_MAX];
	uint64_t size_bytes;
};

/* Insert a row; its id in *id.  HERR_CONFLICT when rel_path exists. */
enum herr store_media_insert(struct db *db, const struct media_fields *f, int64_t *id);

/* The row with id, of kind (NULL = any kind): HERR_NOT_FOUND otherwise. */
enum herr store_media_find(struct db *db, int64_t id, const char *kind, struct media_row *out);

/* The newest child of parent_id of kind (a recording's thumbnail or
 * sprite): HERR_NOT_FOUND when it has none. */
enum herr store_media_child(struct db *db, int64_t parent_id, const char *kind,
			    struct media_row *out);

/* The row as media JSON (above), a new reference. */
enum herr store_media_get_json(struct db *db, int64_t id, const char *kind, json_t **out);

/*
 * Delete the row with id (of kind, NULL = any) and its children, locked,
 * in the caller's transaction; the rows that went, the parent first, into gone[0..max)
 * with their count in *n, for the caller to media_unlink() after.
 * HERR_NOT_FOUND when there is no such row.
 */
enum herr store_media_delete(struct db *db, int64_t id, const char *kind,
			     struct media_row *gone, size_t max, size_t *n);

#endif
