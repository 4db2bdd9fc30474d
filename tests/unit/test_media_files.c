/*
 * Media files: the relative paths Hearth accepts and makes, writing,
 * moving and unlinking under a throwaway root, names from outside resolved
 * inside a folder (traversal in every spelling, symlinks out), and the
 * camera URL and JPEG helpers the grabber relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/files.h"
#include "media/grab.h"
#include "url_policy.h"

static char root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_media_files.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t outsz, const char *rel)
{
	snprintf(out, outsz, "%s/%s", root, rel);
}

static bool exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat sb;

	path_of(p, sizeof(p), rel);
	return lstat(p, &sb) == 0;
}

static void write_plain(const char *abs, const char *text)
{
	FILE *f = fopen(abs, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---------------------------------------------------------------- rel paths */

static void test_rel_path_ok(void **state)
{
	static const char *const good[] = {
		"snapshots/12/2026/11/22/snapshot_20261122_143022_1a2b3c4d.jpg",
		"a", "a/b", "x.y.z", "rec-1_2.mp4", "a/b/c.thumb.jpg", "A..b",
	};
	static const char *const bad[] = {
		"", "/", "/etc/passwd", "a//b", "a/", "./a", "../a", "a/../b", "a/./b", "..",
		".", ".hidden", "a/.hidden", "a/..", "%2e%2e/a", "a%2Fb", "..%2F..%2Fetc",
		"a\\b", "..\\a", "a b", "a\tb", "a\nb", "a:b", "~root", "a?b", "a#b", "a*b",
		"\xc3\xa9", "a/\xe2\x80\xae", "\x7f",
	};
	char longp[MEDIA_REL_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!media_rel_path_ok(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (media_rel_path_ok(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	assert_false(media_rel_path_ok(NULL));

	memset(longp, 'a', MEDIA_REL_MAX);
	longp[MEDIA_REL_MAX] = '\0';
	assert_true(media_rel_path_ok(longp));
	longp[MEDIA_REL_MAX] = 'a';
	longp[MEDIA_REL_MAX + 1] = '\0';
	assert_false(media_rel_path_ok(longp));
}

static void test_abs_path(void **state)
{
	char out[MEDIA_PATH_MAX], tiny[8];

	(void)state;
	assert_int_equal(media_abs_path("/m", "a/b.jpg", out, sizeof(out)), 0);
	assert_string_equal(out, "/m/a/b.jpg");
	assert_int_equal(media_abs_path("/m", "../etc/passwd", out, sizeof(out)), -1);
	assert_int_equal(media_abs_path("/m", "/etc/passwd", out, sizeof(out)), -1);
	assert_int_equal(media_abs_path("", "a", out, sizeof(out)), -1);
	assert_int_equal(media_abs_path("/m", "abcdefgh", tiny, sizeof(tiny)), -1);
}

static void test_new_rel_path(void **state)
{
	char a[MEDIA_REL_MAX + 1], b[MEDIA_REL_MAX + 1], tiny[16];

	(void)state;
	/* 2026-11-22T14:30:22.5Z */
	assert_int_equal(media_new_rel_path("snapshots", 12, 1795357822500LL, "snapshot", "jpg",
					    a, sizeof(a)), 0);
	assert_true(media_rel_path_ok(a));
	assert_memory_equal(a, "snapshots/12/2026/11/22/snapshot_20261122_143022_", 49);
	assert_int_equal(strlen(a), 49 + 8 + 4);
	assert_string_equal(a + strlen(a) - 4, ".jpg");
	/* Two in the same second differ. */
	assert_int_equal(media_new_rel_path("snapshots", 12, 1795357822500LL, "snapshot", "jpg",
					    b, sizeof(b)), 0);
	assert_string_not_equal(a, b);

	assert_int_equal(media_new_rel_path("frames", 0, 0, "frame", "jpg", a, sizeof(a)), 0);
	assert_memory_equal(a, "frames/0/1970/01/01/frame_19700101_000000_", 42);
	assert_int_equal(media_new_rel_path("../x", 1, 0, "p", "jpg", a, sizeof(a)), -1);
	assert_int_equal(media_new_rel_path("a/b", 1, 0, "p", "jpg", a, sizeof(a)), -1);
	assert_int_equal(media_new_rel_path("s", 1, 0, ".p", "jpg", a, sizeof(a)), -1);
	assert_int_equal(media_new_rel_path("s", 1, 0, "p", "j/g", a, sizeof(a)), -1);
	assert_int_equal(media_new_rel_path("s", 1, 0, "p", "", a, sizeof(a)), -1);
	assert_int_equal(media_new_rel_path("s", 1, 0, "p", "jpg", tiny, sizeof(tiny)), -1);
}

/* ---------------------------------------------------------------- files */

static void test_write_and_unlink(void **state)
{
	const char *rel = "snapshots/3/2026/01/02/s.jpg", *rel2 = "snapshots/3/2026/01/02/t.jpg";
	char p[PATH_MAX], buf[16] = "";
	FILE *f;

	(void)state;
	assert_int_equal(media_write_file(root, rel, "hello", 5), 0);
	path_of(p, sizeof(p), rel);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "hello");

	/* Never replaced. */
	errno = 0;
	assert_int_equal(media_write_file(root, rel, "other", 5), -1);
	assert_int_equal(errno, EEXIST);
	/* Nothing left in .tmp. */
	path_of(p, sizeof(p), MEDIA_TMP_DIR);
	assert_int_equal(rmdir(p), 0);

	assert_int_equal(media_write_file(root, "../escape", "x", 1), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(media_write_file(root, rel2, "x", 1), 0);
	assert_int_equal(media_unlink(root, rel), 0);
	assert_false(exists(rel));
	assert_true(exists("snapshots/3/2026/01/02"));   /* t.jpg keeps it */
	assert_int_equal(media_unlink(root, rel2), 0);
	assert_false(exists("snapshots/3"));             /* emptied, gone */
	assert_true(exists("snapshots"));                /* the top stays */
	/* Gone already is fine, a bad path is not. */
	assert_int_equal(media_unlink(root, rel2), 0);
	assert_int_equal(media_unlink(root, "a/../../b"), -1);
}

/* Many files, a folder at a time: the same result as media_unlink. */
static void test_unlinker(void **state)
{
	static const char *const rels[] = {
		"snapshots/4/2026/01/01/a.jpg", "snapshots/4/2026/01/01/b.jpg",
		"snapshots/4/2026/01/02/c.jpg", "snapshots/5/2026/01/02/d.jpg",
	};
	struct media_unlinker u = {0};

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(media_write_file(root, rels[i], "x", 1), 0);
	assert_int_equal(media_write_file(root, "snapshots/4/2026/01/02/keep.jpg", "x", 1), 0);
	assert_int_equal(media_unlinker_unlink(&u, root, rels[0]), 0);
	assert_false(exists(rels[0]));
	assert_true(exists("snapshots/4/2026/01/01"));   /* still in use */
	assert_int_equal(media_unlinker_unlink(&u, root, rels[1]), 0);
	/* Gone already, or its folder missing: no error; a bad path is. */
	assert_int_equal(media_unlinker_unlink(&u, root, rels[1]), 0);
	assert_int_equal(media_unlinker_unlink(&u, root, "snapshots/9/x.jpg"), 0);
	assert_int_equal(media_unlinker_unlink(&u, root, "a/../../b"), -1);
	assert_false(exists("snapshots/4/2026/01/01"));  /* left behind empty */
	assert_int_equal(media_unlinker_unlink(&u, root, rels[2]), 0);
	assert_int_equal(media_unlinker_unlink(&u, root, rels[3]), 0);
	media_unlinker_close(&u);
	media_unlinker_close(&u);
	assert_false(exists("snapshots/5"));
	assert_true(exists("snapshots/4/2026/01/02/keep.jpg"));
	assert_true(exists("snapshots"));                /* the top stays */
}

static void test_tmp_and_move(void **state)
{
	char tmp[MEDIA_PATH_MAX], tmp2[MEDIA_PATH_MAX], p[PATH_MAX];
	struct stat sb;

	(void)state;
	assert_int_equal(media_tmp_file(root, "jpg", tmp, sizeof(tmp)), 0);
	assert_int_equal(stat(tmp, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	path_of(p, sizeof(p), MEDIA_TMP_DIR "/");
	assert_memory_equal(tmp, p, strlen(p));
	assert_int_equal(media_tmp_file(root, "jpg", tmp2, sizeof(tmp2)), 0);
	assert_string_not_equal(tmp, tmp2);
	assert_int_equal(media_tmp_file(root, "../x", tmp2, sizeof(tmp2)), -1);
	unlink(tmp2);

	write_plain(tmp, "jpeg");
	assert_int_equal(media_move_into(root, tmp, "recordings/1/r.mp4"), 0);
	assert_true(exists("recordings/1/r.mp4"));
	assert_int_equal(stat(tmp, &sb), -1);

	/* Never over an existing file; the source stays. */
	assert_int_equal(media_tmp_file(root, "jpg", tmp, sizeof(tmp)), 0);
	assert_int_equal(media_move_into(root, tmp, "recordings/1/r.mp4"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(tmp, &sb), 0);
	assert_int_equal(media_move_into(root, tmp, "recordings/../../x"), -1);
	assert_int_equal(media_move_into(root, "relative/src", "recordings/1/y"), -1);
	unlink(tmp);
}

/* A symlink planted in the media root never takes a write outside. */
static void test_write_through_symlink_refused(void **state)
{
	char outside[PATH_MAX], link[PATH_MAX], victim[PATH_MAX + 16];
	struct stat sb;

	(void)state;
	snprintf(outside, sizeof(outside), "%s.outside", root);
	assert_int_equal(mkdir(outside, 0700), 0);
	path_of(link, sizeof(link), "evil");
	assert_int_equal(symlink(outside, link), 0);

	assert_int_equal(media_write_file(root, "evil/x.jpg", "x", 1), -1);
	snprintf(victim, sizeof(victim), "%s/x.jpg", outside);
	assert_int_equal(stat(victim, &sb), -1);
	/* Unlink does not follow it either. */
	write_plain(victim, "keep");
	assert_int_equal(media_unlink(root, "evil/x.jpg"), -1);
	assert_int_equal(stat(victim, &sb), 0);
	unlink(victim);
	unlink(link);
	rmdir(outside);
}

/* ---------------------------------------------------------------- resolve_inside */

static void test_resolve_inside(void **state)
{
	char dir[PATH_MAX], outside[PATH_MAX], p[PATH_MAX + 32], out[MEDIA_PATH_MAX];
	char rdir[PATH_MAX];
	static const char *const refused[] = {
		"", "/etc/passwd", "../x", "a/../../x", "..", ".", "./cam.mp4", "a//b", "a/",
		"..%2Fx", "%2e%2e/x", "%2e%2e%2fx", "..\\x", "cam.mp4\n", "cam mp4", "a/./b",
		"...", "a/.../b", "\xc0\xae\xc0\xae/x", "~/x", "$HOME",
	};
	char longname[MEDIA_REL_MAX + 8];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/incoming", root);
	snprintf(outside, sizeof(outside), "%s/secret.mp4", root);
	assert_int_equal(mkdir(dir, 0750), 0);
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/cam.mp4", dir);
	write_plain(p, "v");
	snprintf(p, sizeof(p), "%s/sub/c2.mp4", dir);
	write_plain(p, "v");
	write_plain(outside, "secret");
	assert_non_null(realpath(dir, rdir));

	assert_int_equal(media_resolve_inside(dir, "cam.mp4", out, sizeof(out)), 0);
	snprintf(p, sizeof(p), "%s/cam.mp4", rdir);
	assert_string_equal(out, p);
	assert_int_equal(media_resolve_inside(dir, "sub/c2.mp4", out, sizeof(out)), 0);
	/* Hidden-looking names are just names here; dots inside are fine. */
	snprintf(p, sizeof(p), "%s/.x.mp4", dir);
	write_plain(p, "v");
	assert_int_equal(media_resolve_inside(dir, ".x.mp4", out, sizeof(out)), 0);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		errno = 0;
		if (media_resolve_inside(dir, refused[i], out, sizeof(out)) == 0)
			fail_msg("'%s' accepted", refused[i]);
		if (errno != EINVAL)
			fail_msg("'%s': errno %d, wanted EINVAL", refused[i], errno);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(media_resolve_inside(dir, longname, out, sizeof(out)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(media_resolve_inside(dir, NULL, out, sizeof(out)), -1);

	/* Missing; a directory; symlinks out (file and directory); a loop. */
	assert_int_equal(media_resolve_inside(dir, "nope.mp4", out, sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(media_resolve_inside(dir, "sub", out, sizeof(out)), -1);
	assert_int_equal(errno, ENOTSUP);
	snprintf(p, sizeof(p), "%s/link.mp4", dir);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(media_resolve_inside(dir, "link.mp4", out, sizeof(out)), -1);
	assert_int_equal(errno, EXDEV);
	snprintf(p, sizeof(p), "%s/up", dir);
	assert_int_equal(symlink("..", p), 0);
	assert_int_equal(media_resolve_inside(dir, "up/secret.mp4", out, sizeof(out)), -1);
	assert_int_equal(errno, EXDEV);
	snprintf(p, sizeof(p), "%s/etc", dir);
	assert_int_equal(symlink("/etc", p), 0);
	assert_int_equal(media_resolve_inside(dir, "etc/passwd", out, sizeof(out)), -1);
	assert_int_equal(errno, EXDEV);
	snprintf(p, sizeof(p), "%s/loop", dir);
	assert_int_equal(symlink("loop", p), 0);
	assert_int_equal(media_resolve_inside(dir, "loop", out, sizeof(out)), -1);
	/* A symlink that stays inside is fine; its target is what comes out. */
	snprintf(p, sizeof(p), "%s/alias.mp4", dir);
	assert_int_equal(symlink("sub/c2.mp4", p), 0);
	assert_int_equal(media_resolve_inside(dir, "alias.mp4", out, sizeof(out)), 0);
	snprintf(p, sizeof(p), "%s/sub/c2.mp4", rdir);
	assert_string_equal(out, p);
	/* A prefix of the folder's name is not the folder. */
	snprintf(p, sizeof(p), "%s/incoming2", root);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/incoming2/f.mp4", root);
	write_plain(p, "v");
	snprintf(p, sizeof(p), "%s/sib", dir);
	assert_int_equal(symlink("../incoming2/f.mp4", p), 0);
	assert_int_equal(media_resolve_inside(dir, "sib", out, sizeof(out)), -1);
	assert_int_equal(errno, EXDEV);
	/* Too small for the answer. */
	assert_int_equal(media_resolve_inside(dir, "cam.mp4", out, 4), -1);
}

static void test_disk_usage(void **state)
{
	uint64_t total = 0, used = 0, avail = 0;

	(void)state;
	assert_int_equal(media_disk_usage(root, &total, &used, &avail), 0);
	assert_true(total > 0);
	assert_true(used <= total);
	assert_true(avail <= total);
	assert_int_equal(media_disk_usage("/no/such/dir", &total, &used, &avail), -1);
}

/* ---------------------------------------------------------------- camera URLs */

static void redacted(const char *url, const char *want, bool want_creds)
{
	char out[CAMERA_URL_MAX];
	bool creds = !want_creds;

	assert_int_equal(camera_url_redact(url, out, sizeof(out), &creds), 0);
	assert_string_equal(out, want);
	assert_int_equal(creds, want_creds);
}

static void test_url_redact(void **state)
{
	char out[CAMERA_URL_MAX];

	(void)state;
	redacted("rtsp://admin:pw@10.0.0.5/live", "rtsp://***@10.0.0.5/live", true);
	redacted("rtsp://admin@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live", true);
	redacted("http://u:p@ss@cam.lan/snap.jpg", "http://***@cam.lan/snap.jpg", true);
	redacted("http://cam.lan/a@b", "http://cam.lan/a@b", false);
	redacted("http://cam.lan?x=@", "http://cam.lan?x=@", false);
	redacted("http://cam.lan", "http://cam.lan", false);
	redacted("not a url", "not a url", false);

	assert_int_equal(camera_url_keep("rtsp://***@10.0.0.6/live", "rtsp://a:b@10.0.0.5/live",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "rtsp://a:b@10.0.0.6/live");
	assert_int_equal(camera_url_keep("rtsp://c:d@10.0.0.6/x", "rtsp://a:b@10.0.0.5/live",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "rtsp://c:d@10.0.0.6/x");
	assert_int_equal(camera_url_keep("rtsp://***@10.0.0.6/x", "rtsp://10.0.0.5/live",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "rtsp://10.0.0.6/x");
	assert_int_equal(camera_url_keep("rtsp://***@10.0.0.6/x", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "rtsp://10.0.0.6/x");
	assert_int_equal(camera_url_keep("rtsp://x***@h/", "rtsp://a:b@h/", out, sizeof(out)), 0);
	assert_string_equal(out, "rtsp://x***@h/");
}

/* A camera object as the store gives it, shown: URLs redacted in place,
 * has_credentials right after them, nothing else touched. */
static void test_camera_json_redact(void **state)
{
	json_t *cam = json_pack("{s:I, s:s, s:s, s:n, s:s}", "id", (json_int_t)7, "name", "door",
				"snapshot_url", "http://u:p@10.0.0.5/snap.jpg", "stream_url",
				"status", "online");
	char *text;

	(void)state;
	assert_non_null(cam);
	camera_json_redact(cam);
	text = json_dumps(cam, JSON_COMPACT);
	assert_string_equal(text, "{\"id\":7,\"name\":\"door\","
			    "\"snapshot_url\":\"http://***@10.0.0.5/snap.jpg\","
			    "\"stream_url\":null,\"has_credentials\":true,\"status\":\"online\"}");
	free(text);
	json_decref(cam);

	cam = json_pack("{s:s, s:s}", "snapshot_url", "http://10.0.0.5/snap.jpg", "stream_url",
			"rtsp://10.0.0.5/live");
	camera_json_redact(cam);
	text = json_dumps(cam, JSON_COMPACT);
	assert_string_equal(text, "{\"snapshot_url\":\"http://10.0.0.5/snap.jpg\","
			    "\"stream_url\":\"rtsp://10.0.0.5/live\",\"has_credentials\":false}");
	free(text);
	json_decref(cam);
}

static void test_url_check(void **state)
{
	struct url_policy p;
	char why[256];

	(void)state;
	url_policy_defaults(&p);
	assert_int_equal(camera_url_check(&p, "rtsp://u:p@10.0.0.5:554/live", why, sizeof(why)), 0);
	assert_int_equal(camera_url_check(&p, "rtsps://cam.lan/live", why, sizeof(why)), 0);
	assert_int_equal(camera_url_check(&p, "http://a:b@192.168.1.9/snap.jpg", why,
					  sizeof(why)), 0);
	assert_int_equal(camera_url_check(&p, "http://[fd00::5]:8080/x", why, sizeof(why)), 0);
	assert_int_equal(camera_url_check(&p, "rtsp://169.254.169.254/", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "http://u:p@127.0.0.1/", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "file:///etc/passwd", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "rtmp://cam/x", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "rtsp://u:p@/x", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "rtsp://cam/a b", why, sizeof(why)), -1);
	assert_int_equal(camera_url_check(&p, "", why, sizeof(why)), -1);
	p.allow_loopback = true;
	assert_int_equal(camera_url_check(&p, "http://u:p@127.0.0.1:9/", why, sizeof(why)), 0);
}

/* ---------------------------------------------------------------- JPEG */

/* SOI, APP0 (short), SOF0 320x240, SOS, data, EOI. */
static const unsigned char jpeg[] = {
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 'J', 'F',
	0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0xF0, 0x01, 0x40, 0x01, 0x01, 0x11, 0x00,
	0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9,
};

static void test_jpeg_size(void **state)
{
	unsigned char buf[sizeof(jpeg) + 8];
	unsigned w = 0, h = 0;

	(void)state;
	assert_int_equal(media_jpeg_size(jpeg, sizeof(jpeg), &w, &h), 0);
	assert_int_equal(w, 320);
	assert_int_equal(h, 240);
	/* Cut off: no EOI. */
	assert_int_equal(media_jpeg_size(jpeg, sizeof(jpeg) - 2, &w, &h), -1);
	/* Padding after EOI is fine. */
	memcpy(buf, jpeg, sizeof(jpeg));
	memset(buf + sizeof(jpeg), 0, 8);
	assert_int_equal(media_jpeg_size(buf, sizeof(buf), &w, &h), 0);
	/* Not a JPEG. */
	assert_int_equal(media_jpeg_size((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, &w, &h), -1);
	assert_int_equal(media_jpeg_size(jpeg, 3, &w, &h), -1);
	/* A segment length running past the end. */
	memcpy(buf, jpeg, sizeof(jpeg));
	buf[5] = 0xFF;
	assert_int_equal(media_jpeg_size(buf, sizeof(jpeg), &w, &h), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rel_path_ok),
		cmocka_unit_test(test_abs_path),
		cmocka_unit_test(test_new_rel_path),
		cmocka_unit_test_setup_teardown(test_write_and_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlinker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_through_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_usage, setup, teardown),
		cmocka_unit_test(test_url_redact),
		cmocka_unit_test(test_camera_json_redact),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_jpeg_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
