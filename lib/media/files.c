/*
 * Files under the media root: the paths Hearth makes, and writing, moving
 * and removing them safely (see files.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "media/files.h"

static bool files__path_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool media_rel_path_ok(const char *rel)
{
	size_t seg = 0, n = 0;

	if (!rel || !*rel || *rel == '/')
		return false;
	for (const char *p = rel; ; p++, n++) {
		if (n > MEDIA_REL_MAX)
			return false;
		if (*p == '/' || *p == '\0') {
			/* empty segment ("//" or a trailing '/') */
			if (seg == 0)
				return false;
			if (*p == '\0')
				return true;
			seg = 0;
			continue;
		}
		if (!files__path_char((unsigned char)*p))
			return false;
		/* No hidden names, and with that no "." or "..". */
		if (seg == 0 && *p == '.')
			return false;
		seg++;
	}
}

int media_abs_path(const char *root, const char *rel, char *out, size_t outsz)
{
	int n;

	if (!root || !*root || !media_rel_path_ok(rel))
		return -1;
	n = snprintf(out, outsz, "%s/%s", root, rel);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* ---------------------------------------------------------------- names */

/* A word Hearth puts in a path (a dir, prefix or extension): path
 * characters only, not hidden, no '/'. */
static bool files__word_ok(const char *w, size_t max)
{
	size_t n = 0;

	if (!w || !*w || *w == '.')
		return false;
	for (; w[n]; n++)
		if (n >= max || !files__path_char((unsigned char)w[n]))
			return false;
	return true;
}

/* n random lowercase hex digits into out (n + 1 bytes). */
static int files__random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[16];
	size_t got = 0;

	if (n > 2 * sizeof(buf))
		return -1;
	while (got < (n + 1) / 2) {
		ssize_t r = getrandom(buf + got, (n + 1) / 2 - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = hex[(buf[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[n] = '\0';
	return 0;
}

int media_new_rel_path(const char *dir, int64_t camera_id, int64_t t_ms, const char *prefix,
		       const char *ext, char *out, size_t outsz)
{
	time_t secs = (time_t)((t_ms >= 0 ? t_ms : 0) / 1000);
	char rnd[9];
	struct tm tm;
	int n;

	if (!files__word_ok(dir, 64) || !files__word_ok(prefix, 64) || !files__word_ok(ext, 16) ||
	    !gmtime_r(&secs, &tm) || files__random_hex(rnd, 8) != 0)
		return -1;
	n = snprintf(out, outsz, "%s/%" PRId64 "/%04d/%02d/%02d/%s_%04d%02d%02d_%02d%02d%02d_%s.%s",
		     dir, camera_id > 0 ? camera_id : 0, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     prefix, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, rnd, ext);
	if (n < 0 || (size_t)n >= outsz || !media_rel_path_ok(out))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- directories */

/* Close fd keeping errno (a failed call's reason survives the cleanup). */
static void files__close(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

static int files__open_root(const char *root)
{
	if (!root || !*root) {
		errno = EINVAL;
		return -1;
	}
	/* The root itself may be a symlink the administrator made. */
	return open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * The directory holding rel (relative to the open root rootfd), opened:
 * each segment is opened with O_NOFOLLOW, so a symlink planted inside the
 * media root cannot send a write elsewhere; missing ones are made when
 * create is set.  *base points at rel's last segment.  An fd or -1.
 */
static int files__open_parent(int rootfd, const char *rel, bool create, const char **base)
{
	char seg[MEDIA_REL_MAX + 1];
	const char *p = rel, *slash;
	int fd = dup(rootfd);

	if (fd < 0)
		return -1;
	while ((slash = strchr(p, '/'))) {
		size_t len = (size_t)(slash - p);
		int next;

		memcpy(seg, p, len);
		seg[len] = '\0';
		next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, seg, 0750) != 0 && errno != EEXIST) {
				files__close(fd);
				return -1;
			}
			next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		files__close(fd);
		if (next < 0)
			return -1;
		fd = next;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

/* root/.tmp, made when missing, opened. */
static int files__open_tmp_dir(int rootfd)
{
	int fd = openat(rootfd, MEDIA_TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(rootfd, MEDIA_TMP_DIR, 0750) != 0 && errno != EEXIST)
			return -1;
		fd = openat(rootfd, MEDIA_TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

/* A new empty file in the open directory dirfd, "<16 hex>.<ext>": its name
 * in name (at least 40 bytes) and an fd open for writing, or -1. */
static int files__create_tmp(int dirfd, const char *ext, char *name, size_t namesz)
{
	for (int tries = 0; tries < 8; tries++) {
		char rnd[17];
		int fd;

		if (files__random_hex(rnd, 16) != 0)
			return -1;
		if ((size_t)snprintf(name, namesz, "%s.%s", rnd, ext) >= namesz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/*
 * Rename from (in fromfd) to to (in tofd) without ever replacing a file
 * at to.  File systems without RENAME_NOREPLACE get link + unlink, which
 * refuses an existing name in the same way.
 */
static int files__rename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(fromfd, from, tofd, to, 0) != 0)
		return -1;
	(void)unlinkat(fromfd, from, 0);
	return 0;
}

/* Write len bytes to fd and flush them to the disk. */
static int files__write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return fsync(fd);
}

/*
 * Move the file from (in fromfd) to root/rel, parents made.  media_unlink
 * removes directories it empties, possibly between our mkdir and our
 * rename (ENOENT): then the parents are made again, a few times.
 */
static int files__place(int rootfd, int fromfd, const char *from, const char *rel)
{
	for (int tries = 0; ; tries++) {
		const char *base = NULL;
		int pfd = files__open_parent(rootfd, rel, true, &base), rc;

		if (pfd < 0)
			return -1;
		rc = files__rename_noreplace(fromfd, from, pfd, base);
		if (rc == 0)
			(void)fsync(pfd);   /* the new name survives a power cut */
		files__close(pfd);
		if (rc == 0 || errno != ENOENT || tries == 3)
			return rc;
	}
}

/* ---------------------------------------------------------------- files */

int media_write_file(const char *root, const char *rel, const void *data, size_t len)
{
	int rootfd = -1, tmpfd = -1, fd = -1, rv = -1;
	char name[64] = "";

	if (!media_rel_path_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	if ((rootfd = files__open_root(root)) < 0)
		goto out;
	if ((tmpfd = files__open_tmp_dir(rootfd)) < 0)
		goto out;
	if ((fd = files__create_tmp(tmpfd, "part", name, sizeof(name))) < 0) {
		name[0] = '\0';
		goto out;
	}
	if (files__write_all(fd, data, len) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (files__place(rootfd, tmpfd, name, rel) != 0)
		goto out;
	name[0] = '\0';
	rv = 0;
out:
	files__close(fd);
	if (name[0] && tmpfd >= 0) {
		int saved = errno;

		(void)unlinkat(tmpfd, name, 0);
		errno = saved;
	}
	files__close(tmpfd);
	files__close(rootfd);
	return rv;
}

int media_tmp_file(const char *root, const char *ext, char *out, size_t outsz)
{
	int rootfd = -1, tmpfd = -1, fd = -1, rv = -1, n;
	char name[64];

	if (!files__word_ok(ext, 16)) {
		errno = EINVAL;
		return -1;
	}
	if ((rootfd = files__open_root(root)) < 0)
		goto out;
	if ((tmpfd = files__open_tmp_dir(rootfd)) < 0)
		goto out;
	if ((fd = files__create_tmp(tmpfd, ext, name, sizeof(name))) < 0)
		goto out;
	n = snprintf(out, outsz, "%s/" MEDIA_TMP_DIR "/%s", root, name);
	if (n < 0 || (size_t)n >= outsz) {
		(void)unlinkat(tmpfd, name, 0);
		errno = ENAMETOOLONG;
		goto out;
	}
	rv = 0;
out:
	files__close(fd);
	files__close(tmpfd);
	files__close(rootfd);
	return rv;
}

/* Copy the file src_abs into a new temporary file under root/.tmp (in the
 * open tmpfd), flushed; its name in name.  0 or -1, nothing left behind. */
static int files__copy_to_tmp(int tmpfd, const char *src_abs, char *name, size_t namesz)
{
	char buf[65536];
	int in = -1, out = -1, rv = -1;

	name[0] = '\0';
	if ((in = open(src_abs, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	if ((out = files__create_tmp(tmpfd, "part", name, namesz)) < 0) {
		name[0] = '\0';
		goto out;
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (files__write_all(out, buf, (size_t)r) != 0)
			goto out;
	}
	if (fsync(out) != 0)
		goto out;
	rv = close(out);
	out = -1;
out:
	files__close(in);
	files__close(out);
	if (rv != 0 && name[0]) {
		int saved = errno;

		(void)unlinkat(tmpfd, name, 0);
		errno = saved;
		name[0] = '\0';
	}
	return rv;
}

int media_move_into(const char *root, const char *src_abs, const char *rel)
{
	int rootfd = -1, tmpfd = -1, rv = -1;
	char name[64] = "";

	if (!media_rel_path_ok(rel) || !src_abs || *src_abs != '/') {
		errno = EINVAL;
		return -1;
	}
	if ((rootfd = files__open_root(root)) < 0)
		goto out;
	if (files__place(rootfd, AT_FDCWD, src_abs, rel) == 0) {
		rv = 0;
		goto out;
	}
	if (errno != EXDEV)
		goto out;
	/* Another file system: copy it in whole first, then let go of the
	 * source only once the copy has its name. */
	if ((tmpfd = files__open_tmp_dir(rootfd)) < 0)
		goto out;
	if (files__copy_to_tmp(tmpfd, src_abs, name, sizeof(name)) != 0)
		goto out;
	if (files__place(rootfd, tmpfd, name, rel) != 0)
		goto out;
	name[0] = '\0';
	(void)unlink(src_abs);
	rv = 0;
out:
	if (name[0]) {
		int saved = errno;

		(void)unlinkat(tmpfd, name, 0);
		errno = saved;
	}
	files__close(tmpfd);
	files__close(rootfd);
	return rv;
}

int media_unlink(const char *root, const char *rel)
{
	char dir[MEDIA_REL_MAX + 1];
	int rootfd = -1, pfd = -1, rv = -1;
	const char *base = NULL;
	char *slash;

	if (!media_rel_path_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	if ((rootfd = files__open_root(root)) < 0)
		goto out;
	if ((pfd = files__open_parent(rootfd, rel, false, &base)) < 0) {
		/* No directory, no file: already gone. */
		rv = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (unlinkat(pfd, base, 0) != 0 && errno != ENOENT)
		goto out;
	rv = 0;
	/* Empty directories go too, deepest first, but never the first
	 * segment ("snapshots"): a busy directory stops the walk. */
	snprintf(dir, sizeof(dir), "%s", rel);
	while ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (!strchr(dir, '/') || unlinkat(rootfd, dir, AT_REMOVEDIR) != 0)
			break;
	}
out:
	files__close(pfd);
	files__close(rootfd);
	return rv;
}

/* Remove the folder dir (relative to rootfd) and its parents while they
 * are empty, never the first segment ("snapshots"). */
static void files__prune(int rootfd, char *dir)
{
	char *slash;

	while (strchr(dir, '/')) {
		if (unlinkat(rootfd, dir, AT_REMOVEDIR) != 0)
			break;
		slash = strrchr(dir, '/');
		*slash = '\0';
	}
}

int media_unlinker_unlink(struct media_unlinker *u, const char *root, const char *rel)
{
	const char *base = strrchr(rel, '/');
	size_t dlen = base ? (size_t)(base - rel) : 0;

	if (!media_rel_path_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	if (!u->opened) {
		if ((u->rootfd = files__open_root(root)) < 0)
			return -1;
		u->opened = true;
		u->dirfd = -1;
		u->dir[0] = '\0';
	}
	if (u->dirfd < 0 || strlen(u->dir) != dlen || memcmp(u->dir, rel, dlen) != 0) {
		if (u->dirfd >= 0) {
			files__close(u->dirfd);
			u->dirfd = -1;
			files__prune(u->rootfd, u->dir);
		}
		memcpy(u->dir, rel, dlen);
		u->dir[dlen] = '\0';
		if ((u->dirfd = files__open_parent(u->rootfd, rel, false, &base)) < 0)
			return errno == ENOENT ? 0 : -1;   /* no folder, no file */
	} else {
		base = rel + dlen + 1;
	}
	if (unlinkat(u->dirfd, base, 0) != 0 && errno != ENOENT)
		return -1;
	return 0;
}

void media_unlinker_close(struct media_unlinker *u)
{
	if (!u->opened)
		return;
	if (u->dirfd >= 0) {
		files__close(u->dirfd);
		files__prune(u->rootfd, u->dir);
	}
	files__close(u->rootfd);
	u->opened = false;
}

/* ---------------------------------------------------------------- outside names */

/* One or more segments of path characters, none empty, "." or "..". */
static bool files__inside_name_ok(const char *name)
{
	size_t n = 0, seg = 0, dots = 0;

	if (!name || !*name || *name == '/')
		return false;
	for (const char *p = name; ; p++, n++) {
		if (n > MEDIA_REL_MAX)
			return false;
		if (*p == '/' || *p == '\0') {
			if (seg == 0 || seg == dots)   /* "", ".", "..", "..." */
				return false;
			if (*p == '\0')
				return true;
			seg = dots = 0;
			continue;
		}
		if (!files__path_char((unsigned char)*p))
			return false;
		if (*p == '.')
			dots++;
		seg++;
	}
}

int media_resolve_inside(const char *dir, const char *name, char *out, size_t outsz)
{
	char rdir[PATH_MAX], joined[PATH_MAX], rfile[PATH_MAX];
	size_t dlen;
	struct stat sb;
	int n;

	if (!dir || !*dir || !files__inside_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	if (!realpath(dir, rdir))
		return -1;
	n = snprintf(joined, sizeof(joined), "%s/%s", rdir, name);
	if (n < 0 || (size_t)n >= sizeof(joined)) {
		errno = EINVAL;
		return -1;
	}
	if (!realpath(joined, rfile))
		return -1;   /* ENOENT, ELOOP, EACCES ... as realpath says */
	dlen = strlen(rdir);
	/* "/" as the folder holds everything; otherwise rdir + '/' must lead. */
	if (!(dlen == 1 && rdir[0] == '/') &&
	    (strncmp(rfile, rdir, dlen) != 0 || rfile[dlen] != '/')) {
		errno = EXDEV;
		return -1;
	}
	if (stat(rfile, &sb) != 0)
		return -1;
	if (!S_ISREG(sb.st_mode)) {
		errno = ENOTSUP;
		return -1;
	}
	if ((size_t)snprintf(out, outsz, "%s", rfile) >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int media_disk_usage(const char *root, uint64_t *total, uint64_t *used, uint64_t *avail)
{
	struct statvfs vfs;

	if (!root || !*root) {
		errno = EINVAL;
		return -1;
	}
	if (statvfs(root, &vfs) != 0)
		return -1;
	*total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	*used = (uint64_t)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
	*avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	return 0;
}

int media_lock_try(const char *path, int *fd)
{
	int saved;

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -1;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	saved = errno;
	close(*fd);
	*fd = -1;
	errno = saved;
	return saved == EWOULDBLOCK ? 0 : -1;
}
