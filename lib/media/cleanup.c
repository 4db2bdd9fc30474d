/*
 * Storage cleanup: retention, the ceiling and orphans (see cleanup.h).
 * The SQL is in lib/store/cleanup.c; this file decides what goes and
 * touches the files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "media/cleanup.h"
#include "media/files.h"
#include "store/cleanup.h"
#include "store/settings.h"
#include "store/store.h"

/* Rows read per statement by the orphan pass. */
#define CLEANUP_READ_BATCH 5000
/* Folders below the root the orphan pass descends into, at most. */
#define CLEANUP_MAX_DEPTH 16
/* Unlink failures logged one by one; the rest are only counted. */
#define CLEANUP_LOG_FAILURES 5

/* ---------------------------------------------------------------- settings */

enum herr storage_settings_load(struct db *db, struct storage_settings *s)
{
	json_t *doc = NULL, *v;
	enum herr rc;

	s->enabled = false;
	s->max_percent = STORAGE_MAX_PERCENT_DEFAULT;
	s->retention_days = STORAGE_RETENTION_DAYS_DEFAULT;
	rc = store_settings_get(db, "storage", false, &doc);
	if (rc == HERR_NOT_FOUND)
		return HERR_OK;
	if (rc != HERR_OK)
		return rc;
	/* PUT validates; a value edited by hand out of range is ignored. */
	if (json_is_boolean(v = json_object_get(doc, "enabled")))
		s->enabled = json_is_true(v);
	v = json_object_get(doc, "max_percent");
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= STORAGE_MAX_PERCENT_MAX)
		s->max_percent = (unsigned)json_integer_value(v);
	v = json_object_get(doc, "retention_days");
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= STORAGE_RETENTION_DAYS_MAX)
		s->retention_days = (unsigned)json_integer_value(v);
	json_decref(doc);
	return HERR_OK;
}

json_t *storage_settings_json(const struct storage_settings *s)
{
	return json_pack("{s:b, s:i, s:i}", "enabled", s->enabled, "max_percent",
			 (int)s->max_percent, "retention_days", (int)s->retention_days);
}

/* ---------------------------------------------------------------- usage */

enum herr storage_usage_read(const struct hearth_config *cfg, struct db *db,
			     struct storage_usage *u, json_t **by_kind)
{
	uint64_t total = 0, used = 0, avail = 0;
	enum herr rc;

	memset(u, 0, sizeof(*u));
	if ((rc = store_cleanup_totals(db, &u->media_bytes, &u->media_count, by_kind)) != HERR_OK)
		return rc;
	if (cfg->media_quota_mb > 0) {
		u->quota = true;
		u->total_bytes = (uint64_t)cfg->media_quota_mb * 1024 * 1024;
		u->used_bytes = u->media_bytes;
	} else if (media_disk_usage(cfg->media_root, &total, &used, &avail) == 0) {
		u->total_bytes = total;
		u->used_bytes = used;
	} else {
		LOG(LOG_ERR, "storage: %s: %s", cfg->media_root, strerror(errno));
		if (by_kind) {
			json_decref(*by_kind);
			*by_kind = NULL;
		}
		return HERR_INTERNAL;
	}
	u->percent = u->total_bytes ? (double)u->used_bytes * 100.0 / (double)u->total_bytes : 0;
	return HERR_OK;
}

/* ---------------------------------------------------------------- files */

/* State of one run. */
struct cleanup_run {
	const struct hearth_config *cfg;
	struct db *db;
	struct cleanup_report *rep;
	struct cleanup_files files;   /* rows gone, files to unlink */
	time_t now;
};

/* Unlink every file in run->files (their rows are committed gone).  A
 * batch is mostly one folder after another (oldest first), so the folder
 * stays open from one file to the next: one unlinkat() a file.  It is
 * closed at the end of the batch, so no folder is held across commits
 * (one removed and made again meanwhile would keep its new files). */
static void cleanup__unlink_all(struct cleanup_run *run)
{
	struct media_unlinker u = {0};

	for (size_t i = 0; i < run->files.n; i++) {
		const char *rel = run->files.v[i].rel_path;

		if (media_unlinker_unlink(&u, run->cfg->media_root, rel) == 0)
			continue;
		if (run->rep->unlink_failed++ < CLEANUP_LOG_FAILURES)
			LOG(LOG_WARNING, "cleanup: unlink %s: %s", rel, strerror(errno));
	}
	media_unlinker_close(&u);
	cleanup_files_clear(&run->files);
}

/*
 * One batch of deletions (store/cleanup.h), a transaction of its own: its
 * rows are committed gone before cleanup__unlink_all unlinks their files.
 * Each kind of batch is a db_tx function taking this; count is what it
 * deleted (detections, events) or freed (bytes).
 */
struct cleanup_batch {
	struct cleanup_run *run;
	size_t mark;          /* run->files.n before the batch */
	const char *before;   /* retention: older than this */
	uint64_t want;        /* ceiling: bytes to free */
	int64_t id;           /* an orphan row, with its path */
	const char *rel_path;
	uint64_t count;
};

/* Every attempt starts from the files listed before the batch: an earlier
 * attempt's rows were rolled back. */
static struct cleanup_files *cleanup__batch_files(struct cleanup_batch *b)
{
	b->run->files.n = b->mark;
	return &b->run->files;
}

static enum herr cleanup__detections_tx(struct db *db, void *arg)
{
	struct cleanup_batch *b = arg;

	return store_cleanup_detections(db, b->before, CLEANUP_BATCH, cleanup__batch_files(b),
					&b->count);
}

static enum herr cleanup__events_tx(struct db *db, void *arg)
{
	struct cleanup_batch *b = arg;

	return store_cleanup_events(db, b->before, CLEANUP_BATCH, &b->count);
}

static enum herr cleanup__oldest_tx(struct db *db, void *arg)
{
	struct cleanup_batch *b = arg;

	return store_cleanup_oldest(db, b->want, CLEANUP_BATCH, cleanup__batch_files(b), &b->count);
}

static enum herr cleanup__row_tx(struct db *db, void *arg)
{
	struct cleanup_batch *b = arg;

	return store_cleanup_delete_row(db, b->id, b->rel_path, cleanup__batch_files(b));
}

/* Run batch b with fn; when it was not committed, nothing of it counts and
 * no file of it is unlinked. */
static enum herr cleanup__batch(struct cleanup_run *run, enum herr (*fn)(struct db *, void *),
				struct cleanup_batch *b)
{
	enum herr rc;

	b->run = run;
	b->mark = run->files.n;
	b->count = 0;
	if ((rc = db_tx(run->db, fn, b)) != HERR_OK) {
		run->files.n = b->mark;
		b->count = 0;
	}
	return rc;
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) days before now. */
static void cleanup__days_ago(time_t now, unsigned days, char *out, size_t outsz)
{
	time_t t = now - (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ---------------------------------------------------------------- steps */

static enum herr cleanup__retention(struct cleanup_run *run, unsigned days)
{
	char before[32];
	struct cleanup_batch b = {.before = before};
	enum herr rc;

	cleanup__days_ago(run->now, days, before, sizeof(before));
	do {
		size_t images = run->files.n;

		if ((rc = cleanup__batch(run, cleanup__detections_tx, &b)) != HERR_OK)
			return rc;
		run->rep->detections_deleted += b.count;
		run->rep->images_deleted += run->files.n - images;
		cleanup__unlink_all(run);
	} while (b.count > 0);
	do {
		if ((rc = cleanup__batch(run, cleanup__events_tx, &b)) != HERR_OK)
			return rc;
		run->rep->events_deleted += b.count;
	} while (b.count > 0);
	return HERR_OK;
}

static enum herr cleanup__ceiling(struct cleanup_run *run, unsigned max_percent)
{
	struct storage_usage u;
	struct cleanup_batch b = {0};
	uint64_t limit, want, gone;
	enum herr rc;

	/* Usage is read again (a scan of every media row) only once what
	 * was over the ceiling has been deleted, not after every batch. */
	for (;;) {
		if ((rc = storage_usage_read(run->cfg, run->db, &u, NULL)) != HERR_OK)
			return rc;
		limit = (uint64_t)((long double)u.total_bytes * max_percent / 100);
		if (u.used_bytes <= limit || u.media_count == 0)
			return HERR_OK;
		want = u.used_bytes - limit;
		/* Something else fills the disk: deleting every recording would
		 * not bring it down, so none is deleted for nothing. */
		if (!u.quota && want > u.media_bytes) {
			run->rep->ceiling_skipped = true;
			LOG(LOG_WARNING,
			    "cleanup: %s is %.1f%% full but media take only %" PRIu64
			    " bytes of the %" PRIu64 " over the ceiling; no more media deleted",
			    run->cfg->media_root, u.percent, u.media_bytes, want);
			return HERR_OK;
		}
		for (gone = 0; gone < want; gone += b.count) {
			b.want = want - gone;
			if ((rc = cleanup__batch(run, cleanup__oldest_tx, &b)) != HERR_OK)
				return rc;
			if (run->files.n == 0)
				return HERR_OK;
			run->rep->media_deleted += run->files.n;
			run->rep->media_bytes += b.count;
			cleanup__unlink_all(run);
		}
	}
}

static int cleanup__cmp_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The orphan-file walk. */
struct cleanup_walk {
	struct cleanup_run *run;
	const char **known;          /* sorted rel paths of every row */
	size_t nknown;
	time_t grace_s;
	char rel[MEDIA_PATH_MAX];
	enum herr rc;
};

static bool cleanup__old_enough(const struct cleanup_walk *w, const struct stat *sb)
{
	time_t newest = sb->st_mtime > sb->st_ctime ? sb->st_mtime : sb->st_ctime;

	return w->run->now - newest >= w->grace_s;
}

/* One file that no row named when the rows were read. */
static enum herr cleanup__orphan_file(struct cleanup_walk *w, int dirfd, const char *name,
				      const struct stat *sb, bool in_tmp)
{
	const char *rel = w->rel;
	bool known = false;
	enum herr rc;

	if (!in_tmp) {
		if (w->nknown > 0 &&
		    bsearch(&rel, w->known, w->nknown, sizeof(*w->known), cleanup__cmp_path))
			return HERR_OK;
	}
	if (!cleanup__old_enough(w, sb))
		return HERR_OK;
	/* A file moved into place keeps its old mtime, and its row may have
	 * been committed since the rows were read: ask once more. */
	if (!in_tmp) {
		if ((rc = store_cleanup_path_known(w->run->db, rel, &known)) != HERR_OK)
			return rc;
		if (known)
			return HERR_OK;
	}
	if (unlinkat(dirfd, name, 0) != 0) {
		if (errno != ENOENT && w->run->rep->unlink_failed++ < CLEANUP_LOG_FAILURES)
			LOG(LOG_WARNING, "cleanup: unlink orphan %s: %s", rel, strerror(errno));
		return HERR_OK;
	}
	LOG(LOG_INFO, "cleanup: removed orphan file %s (%lld bytes)", rel, (long long)sb->st_size);
	w->run->rep->orphan_files++;
	w->run->rep->orphan_bytes += (uint64_t)sb->st_size;
	return HERR_OK;
}

/* Walk the folder dirfd (consumed), whose path below the root is w->rel
 * (len characters, "" for the root). */
static void cleanup__walk(struct cleanup_walk *w, int dirfd, size_t len, int depth, bool in_tmp)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		LOG(LOG_WARNING, "cleanup: %s/%s: %s", w->run->cfg->media_root, w->rel,
		    strerror(errno));
		close(dirfd);
		return;
	}
	while (w->rc == HERR_OK && (de = readdir(d))) {
		const char *name = de->d_name;
		bool tmp = in_tmp;
		struct stat sb;
		int n;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (depth == 0 && strcmp(name, MEDIA_TMP_DIR) == 0)
			tmp = true;
		n = snprintf(w->rel + len, sizeof(w->rel) - len, "%s%s", len ? "/" : "", name);
		if (n < 0 || (size_t)n >= sizeof(w->rel) - len)
			continue; /* no row can have such a path; leave it alone */
		if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			int sub;

			if (depth + 1 >= CLEANUP_MAX_DEPTH)
				continue;
			sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			cleanup__walk(w, sub, len + (size_t)n, depth + 1, tmp);
			/* A folder left empty goes too, unless someone may be
			 * about to put a file in it (it is young) or it is .tmp.
			 * Its age is taken now, not at the start of the run: what
			 * this walk removed in it changed it during the run. */
			w->rel[len + (size_t)n] = '\0';
			if (w->rc == HERR_OK && !(depth == 0 && tmp) &&
			    fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    time(NULL) - (sb.st_mtime > sb.st_ctime ? sb.st_mtime : sb.st_ctime) >=
				    w->grace_s)
				unlinkat(dirfd, name, AT_REMOVEDIR); /* fails when not empty */
		} else {
			w->rc = cleanup__orphan_file(w, dirfd, name, &sb, tmp);
		}
		w->rel[len] = '\0';
	}
	closedir(d);
}

static enum herr cleanup__orphans(struct cleanup_run *run)
{
	struct cleanup_files rows = {0};
	struct cleanup_batch b = {0};
	struct cleanup_walk w;
	const char **known = NULL;
	int64_t after = 0, last = 0;
	enum herr rc;
	int rootfd;

	/* Every row, before any decision: a partial read proves nothing. */
	for (;;) {
		size_t before = rows.n;

		rc = store_cleanup_rows(run->db, after, CLEANUP_READ_BATCH, &rows, &last);
		if (rc != HERR_OK)
			goto out;
		if (rows.n - before < CLEANUP_READ_BATCH)
			break;
		after = last;
	}

	/* Orphan rows: their file is gone (and nothing else is wrong). */
	for (size_t i = 0; i < rows.n; i++) {
		char abs[MEDIA_PATH_MAX];
		struct stat sb;

		if (media_abs_path(run->cfg->media_root, rows.v[i].rel_path, abs, sizeof(abs)) != 0)
			continue;
		if (lstat(abs, &sb) == 0 || errno != ENOENT)
			continue;
		b.id = rows.v[i].id;
		b.rel_path = rows.v[i].rel_path;
		if ((rc = cleanup__batch(run, cleanup__row_tx, &b)) != HERR_OK)
			goto out;
		if (run->files.n > 0) { /* not deleted by someone else meanwhile */
			LOG(LOG_INFO, "cleanup: removed orphan row %" PRId64 " (%s)", rows.v[i].id,
			    rows.v[i].rel_path);
			run->rep->orphan_rows++;
		}
		cleanup__unlink_all(run); /* its children's files */
	}

	/* Orphan files: not among the rows read above. */
	if (rows.n > 0 && !(known = malloc(rows.n * sizeof(*known)))) {
		rc = HERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < rows.n; i++)
		known[i] = rows.v[i].rel_path;
	if (rows.n > 0)
		qsort(known, rows.n, sizeof(*known), cleanup__cmp_path);
	memset(&w, 0, sizeof(w));
	w.run = run;
	w.known = known;
	w.nknown = rows.n;
	w.grace_s = (time_t)run->cfg->media_orphan_grace_minutes * 60;
	w.rc = HERR_OK;
	rootfd = open(run->cfg->media_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		if (errno != ENOENT)
			LOG(LOG_WARNING, "cleanup: %s: %s", run->cfg->media_root, strerror(errno));
		goto out;
	}
	cleanup__walk(&w, rootfd, 0, 0, false);
	rc = w.rc;
out:
	free(known);
	cleanup_files_free(&rows);
	return rc;
}

/* ---------------------------------------------------------------- run */

static double cleanup__ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

enum herr media_cleanup_run(const struct hearth_config *cfg, struct db *db,
			    const struct cleanup_options *o, struct cleanup_report *rep)
{
	struct cleanup_run run = {.cfg = cfg, .db = db, .rep = rep, .now = time(NULL)};
	struct timespec t0;
	enum herr rc;

	memset(rep, 0, sizeof(*rep));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = storage_usage_read(cfg, db, &rep->before, NULL)) != HERR_OK) {
		rep->failed_step = "usage";
		goto out;
	}
	if (o->retention && (rc = cleanup__retention(&run, o->retention_days)) != HERR_OK) {
		rep->failed_step = "retention";
		goto out;
	}
	if (o->ceiling && (rc = cleanup__ceiling(&run, o->max_percent)) != HERR_OK) {
		rep->failed_step = "ceiling";
		goto out;
	}
	if (o->orphans && (rc = cleanup__orphans(&run)) != HERR_OK) {
		rep->failed_step = "orphans";
		goto out;
	}
	if ((rc = storage_usage_read(cfg, db, &rep->after, NULL)) != HERR_OK)
		rep->failed_step = "usage";
out:
	/* Rows committed gone before the failure still lose their files. */
	cleanup__unlink_all(&run);
	cleanup_files_free(&run.files);
	if (rc != HERR_OK && rep->after.total_bytes == 0)
		rep->after = rep->before;
	rep->error = rc;
	rep->duration_ms = cleanup__ms_since(&t0);
	return rc;
}

static json_t *cleanup__usage_json(const struct storage_usage *u)
{
	return json_pack("{s:I, s:I, s:f}", "total_bytes", (json_int_t)u->total_bytes,
			 "used_bytes", (json_int_t)u->used_bytes, "percent",
			 (double)(int64_t)(u->percent * 10 + 0.5) / 10);
}

json_t *media_cleanup_report_json(const struct cleanup_report *rep)
{
	return json_pack("{s:s, s:o, s:o, s:{s:I, s:I, s:b}, s:{s:I, s:I, s:I},"
			 " s:{s:I, s:I, s:I}, s:I, s:I, s:s?}",
			 "basis", rep->before.quota ? "quota" : "filesystem",
			 "usage_before", cleanup__usage_json(&rep->before),
			 "usage_after", cleanup__usage_json(&rep->after),
			 "ceiling",
			 "media_deleted", (json_int_t)rep->media_deleted,
			 "bytes_freed", (json_int_t)rep->media_bytes,
			 "skipped", rep->ceiling_skipped,
			 "retention",
			 "detections_deleted", (json_int_t)rep->detections_deleted,
			 "events_deleted", (json_int_t)rep->events_deleted,
			 "images_deleted", (json_int_t)rep->images_deleted,
			 "orphans",
			 "rows", (json_int_t)rep->orphan_rows,
			 "files", (json_int_t)rep->orphan_files,
			 "file_bytes", (json_int_t)rep->orphan_bytes,
			 "unlink_failed", (json_int_t)rep->unlink_failed,
			 "duration_ms", (json_int_t)rep->duration_ms,
			 "error", rep->error == HERR_OK ? NULL : herr_str(rep->error));
}

/* What the run did, in words, for the log line and the audit row. */
static void cleanup__summary(const struct cleanup_report *rep, char *out, size_t outsz)
{
	snprintf(out, outsz,
		 "deleted %" PRIu64 " media (%" PRIu64 " bytes), %" PRIu64 " detections (%" PRIu64
		 " images), %" PRIu64 " events, %" PRIu64 " orphan rows, %" PRIu64
		 " orphan files (%" PRIu64 " bytes); %" PRIu64 " unlink failures",
		 rep->media_deleted, rep->media_bytes, rep->detections_deleted, rep->images_deleted,
		 rep->events_deleted, rep->orphan_rows, rep->orphan_files, rep->orphan_bytes,
		 rep->unlink_failed);
}

void media_cleanup_log(const struct cleanup_report *rep)
{
	char what[512];

	cleanup__summary(rep, what, sizeof(what));
	if (rep->error != HERR_OK)
		LOG(LOG_ERR, "cleanup stopped at %s: %s; nothing more deleted; before that: %s"
			     " (%.0f ms)",
		    rep->failed_step ? rep->failed_step : "start", herr_str(rep->error), what,
		    rep->duration_ms);
	else
		LOG(LOG_NOTICE, "cleanup: usage %.1f%% -> %.1f%% of %" PRIu64 " bytes (%s); %s"
				" (%.0f ms)",
		    rep->before.percent, rep->after.percent, rep->after.total_bytes,
		    rep->after.quota ? "quota" : "filesystem", what, rep->duration_ms);
}

enum herr media_cleanup_audit(struct db *db, const char *actor,
			      const struct cleanup_report *rep)
{
	char what[560];
	struct audit_entry e;

	snprintf(what, sizeof(what), "cleanup: ");
	cleanup__summary(rep, what + strlen(what), sizeof(what) - strlen(what));
	e = (struct audit_entry){
		.key_id = 0, .actor = actor, .method = "CRON", .path = what, .object_id = NULL,
		.status = rep->error == HERR_OK ? 200 : 500,
	};
	return store_audit_write(db, &e);
}
