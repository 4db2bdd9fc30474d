#ifndef HEARTH_MEDIA_FILES_H
#define HEARTH_MEDIA_FILES_H

/*
 * Files under the media root ([media] root).  Every media file has a row in
 * the media table (sql/006_media.sql) holding its path relative to the
 * root; the API serves and deletes files only by that row, never by a path
 * a client sent.  Paths Hearth makes use only [A-Za-z0-9._-] and '/', so
 * they need no escaping in X-Accel-Redirect or in the file system:
 *
 *   <dir>/<camera id>/<YYYY>/<MM>/<DD>/<prefix>_<YYYYMMDD>_<HHMMSS>_<8 hex>.<ext>
 *   e.g. snapshots/12/2026/11/22/snapshot_20261122_143022_1a2b3c4d.jpg
 *
 * Files are written under <root>/.tmp first and renamed into place, so a
 * file at its final path is always whole.  The caller inserts the media
 * row after the file is in place and deletes the row before unlinking the
 * file; cleanup removes what a crash between the two leaves behind.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/limits.h"   /* MEDIA_REL_MAX, MEDIA_PATH_MAX */

#define MEDIA_TMP_DIR ".tmp"   /* under the root; never holds a finished file */

/*
 * Whether rel is a relative path Hearth could have produced: 1 to
 * MEDIA_REL_MAX characters of [A-Za-z0-9._-/], not starting with '/', no
 * empty, "." or ".." segment, no segment starting with '.'.  Pure.
 */
bool media_rel_path_ok(const char *rel);

/* root "/" rel into out; -1 when rel is not ok or out is too small. */
int media_abs_path(const char *root, const char *rel, char *out, size_t outsz);

/*
 * A new relative path (format above) for a file made at t_ms (ms since
 * the epoch, UTC) by camera_id (0: "0").  dir and prefix are Hearth's own
 * words ("snapshots", "snapshot"), ext without the dot ("jpg").  The 8 hex
 * digits are random, so two files in the same second do not collide.
 * 0, or -1 when out is too small or a word is not path-safe.
 */
int media_new_rel_path(const char *dir, int64_t camera_id, int64_t t_ms, const char *prefix,
		       const char *ext, char *out, size_t outsz);

/*
 * Write len bytes as root/rel: parents made (0750), the bytes written to a
 * temporary file under root/.tmp, fsync'd and renamed into place.  An
 * existing file at rel is never replaced (-1, errno EEXIST).  0 or -1 with
 * errno set and nothing left behind.
 */
int media_write_file(const char *root, const char *rel, const void *data, size_t len);

/*
 * A temporary file under root/.tmp for a producer that writes by itself
 * (ffmpeg, an upload): its absolute path in out (outsz >= MEDIA_PATH_MAX),
 * ext without the dot.  The file is created empty (O_EXCL, 0640) so the
 * name is taken.  0 or -1 with errno.
 */
int media_tmp_file(const char *root, const char *ext, char *out, size_t outsz);

/*
 * Put the finished file at src_abs (a temporary file, or one from an
 * incoming folder) at root/rel: parents made, renamed when on the same
 * file system, else copied, fsync'd and the source unlinked.  Never
 * replaces an existing file.  0 or -1 with errno; on failure src_abs is
 * left where it was.
 */
int media_move_into(const char *root, const char *src_abs, const char *rel);

/* Unlink root/rel and the directories it leaves empty below root; a file
 * already gone is not an error.  0 or -1 with errno. */
int media_unlink(const char *root, const char *rel);

/*
 * media_unlink for many files, as cleanup deletes them (oldest first, so
 * mostly a folder at a time): the root and the folder of the last file
 * stay open, so each further file of that folder costs one unlinkat().
 * Folders left empty go, as with media_unlink, once the unlinker moves on
 * to another folder and at media_unlinker_close().  Start zeroed.
 */
struct media_unlinker {
	bool opened;                 /* rootfd and dirfd are set */
	int rootfd;
	int dirfd;                   /* the folder dir, or -1 */
	char dir[MEDIA_REL_MAX + 1]; /* relative to the root */
};

/* Unlink root/rel (root the same on every call); 0 or -1 with errno, a
 * file already gone being no error. */
int media_unlinker_unlink(struct media_unlinker *u, const char *root, const char *rel);

/* Remove the last folder if it is left empty, and close everything. */
void media_unlinker_close(struct media_unlinker *u);

/*
 * The file `name` inside the folder dir, for a name that came from outside
 * (POST /recordings): name must be one or more segments of
 * [A-Za-z0-9._-] (no "..", no leading '/', at most MEDIA_REL_MAX), and
 * the file, resolved with every symlink followed, must be a regular file
 * still inside dir (itself resolved).  Its resolved absolute path in out.
 * 0; -1 with errno EINVAL (bad name), ENOENT (no such file), EXDEV
 * (resolves outside dir) or ENOTSUP (not a regular file).
 */
int media_resolve_inside(const char *dir, const char *name, char *out, size_t outsz);

/*
 * Take the lock file at path (an exclusive flock, without waiting), as
 * hearth-cleanup, POST /storage/cleanup and hearth-timelapse do: 1 = held
 * (*fd to close() when done), 0 = someone else holds it, -1 = the file
 * cannot be opened or locked (errno).
 */
int media_lock_try(const char *path, int *fd);

/* The file system holding root: bytes in all, used and available to
 * Hearth (statvfs).  0 or -1 with errno. */
int media_disk_usage(const char *root, uint64_t *total, uint64_t *used, uint64_t *avail);

#endif
