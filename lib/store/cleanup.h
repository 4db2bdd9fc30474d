#ifndef HEARTH_STORE_CLEANUP_H
#define HEARTH_STORE_CLEANUP_H

/*
 * The queries of storage cleanup (lib/media/cleanup.c): what the media
 * rows add up to, and deletions in batches.  Each deleting function is
 * one batch, in the caller's transaction (a batch a transaction: the
 * caller commits it, then unlinks the files it handed back, so a row is
 * always gone before its file).  On an error the files it added are taken
 * off the list again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "media/limits.h"

struct db;

/* A file whose row is gone (or to be checked). */
struct cleanup_file {
	int64_t id;
	char rel_path[MEDIA_REL_MAX + 1];
	uint64_t size_bytes;
};

/* A growing list of files; start zeroed, free with cleanup_files_free(). */
struct cleanup_files {
	struct cleanup_file *v;
	size_t n, cap;
};

/* Append a file; -1 when memory runs out. */
int cleanup_files_add(struct cleanup_files *f, int64_t id, const char *rel_path,
		      uint64_t size_bytes);
/* Empty the list, keeping its memory. */
void cleanup_files_clear(struct cleanup_files *f);
void cleanup_files_free(struct cleanup_files *f);

/*
 * Bytes and number of all media rows, and (by_kind not NULL) a new object
 * {kind: {count, bytes}} with every kind of sql/006 present.
 */
enum herr store_cleanup_totals(struct db *db, uint64_t *bytes, uint64_t *count,
			       json_t **by_kind);

/*
 * The ceiling: delete the oldest media (created_at, then id; a thumbnail
 * or sprite goes with its recording or timelapse, never by itself), at
 * most max of them, but no more than it takes to free want bytes (at
 * least one).  Rows gone (children included) are appended to files; their
 * bytes in *freed.  Nothing left to delete: *freed = 0 and no file added.
 */
enum herr store_cleanup_oldest(struct db *db, uint64_t want, unsigned max,
			       struct cleanup_files *files, uint64_t *freed);

/*
 * Retention: delete at most max detections detected before `before`
 * ("YYYY-MM-DD HH:MM:SS", UTC) with the media rows of their images (and
 * those rows' children), appended to files.  *deleted = detections gone;
 * 0 when none is left.
 */
enum herr store_cleanup_detections(struct db *db, const char *before, unsigned max,
				   struct cleanup_files *files, uint64_t *deleted);

/*
 * Retention: delete at most max closed security events (kind security,
 * no longer open) that started before `before`.  Their detections stay
 * (event_id becomes NULL) unless they are old enough themselves.
 */
enum herr store_cleanup_events(struct db *db, const char *before, unsigned max,
			       uint64_t *deleted);

/*
 * Every media row, id ascending, max at a time: those with id > after_id
 * are appended to rows (id, rel_path, size_bytes).  *last = the last id
 * read; a call that adds fewer than max rows has reached the end.  A
 * complete read is the only ground for calling a file an orphan.
 */
enum herr store_cleanup_rows(struct db *db, int64_t after_id, unsigned max,
			     struct cleanup_files *rows, int64_t *last);

/* Whether a row has rel_path now (checked again just before a file that
 * looked like an orphan is unlinked). */
enum herr store_cleanup_path_known(struct db *db, const char *rel_path, bool *known);

/*
 * Delete the row id, if it still has rel_path, with its children: an
 * orphan row, whose file is gone.  The rows that went are appended to
 * files.  Not an error when the row is already gone.
 */
enum herr store_cleanup_delete_row(struct db *db, int64_t id, const char *rel_path,
				   struct cleanup_files *files);

#endif
