/*
 * Relative media paths and names from outside: media_rel_path_ok and the
 * name check of media_resolve_inside must never accept anything that
 * could leave the media root or the incoming folder.  Each input is
 * checked against the rules independently of the code under test, and a
 * name media_resolve_inside accepts must come out inside the folder.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char rdir[PATH_MAX];

/* A folder with one file, made once. */
static void fuzz_setup(void)
{
	char p[128];
	FILE *f;

	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_media_path.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(p, sizeof(p), "%s/a.mp4", dir);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	if (!realpath(dir, rdir))
		abort();
}

static bool safe_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), abs[MEDIA_PATH_MAX], out[MEDIA_PATH_MAX];
	bool ok;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_setup();

	ok = media_rel_path_ok(s);
	if (ok) {
		size_t n = strlen(s);

		if (n == 0 || n > MEDIA_REL_MAX || s[0] == '/' || s[n - 1] == '/' ||
		    strstr(s, "//") || strstr(s, "/.") || s[0] == '.')
			abort();
		for (size_t i = 0; i < n; i++)
			if (!safe_char((unsigned char)s[i]))
				abort();
		if (media_abs_path("/m", s, abs, sizeof(abs)) != 0 || strncmp(abs, "/m/", 3) != 0)
			abort();
	} else if (media_abs_path("/m", s, abs, sizeof(abs)) == 0) {
		abort();
	}

	if (media_resolve_inside(dir, s, out, sizeof(out)) == 0) {
		size_t dl = strlen(rdir);

		/* Only our one file exists, and it is inside. */
		if (strncmp(out, rdir, dl) != 0 || out[dl] != '/' || strstr(out, "/../") ||
		    strstr(s, "..") == s)
			abort();
	} else if (errno != EINVAL && errno != ENOENT && errno != ENOTSUP && errno != EXDEV &&
		   errno != ENOTDIR && errno != ENAMETOOLONG && errno != ELOOP) {
		abort();
	}
	free(s);
	return 0;
}
