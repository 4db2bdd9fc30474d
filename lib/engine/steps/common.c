/* Helpers shared by the step run functions. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "engine/engine.h"
#include "media/files.h"

#include "engine/step.h"
#include "validate.h"

int step_fail(struct step_run *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	utf8_trim_cut(s->error);
	return -1;
}

int step_media_base64(struct step_run *s, const char *rel, const char *prefix_text,
		      json_t **out)
{
	char path[MEDIA_PATH_MAX];
	unsigned char *raw = NULL;
	char *url = NULL;
	struct stat sb;
	size_t got = 0, prefix, b64;
	int fd = -1, rv = -1;
	ssize_t n;

	*out = NULL;
	if (!media_rel_path_ok(rel) ||
	    media_abs_path(s->e->cfg->media_root, rel, path, sizeof(path)) != 0)
		return step_fail(s, "image %.64s is not a media path", rel);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		step_fail(s, "image %.64s cannot be read: %s", rel, strerror(errno ? errno : EINVAL));
		goto out;
	}
	if (sb.st_size <= 0 || sb.st_size > STEP_MEDIA_MAX) {
		step_fail(s, "image %.64s is empty or larger than %d MB", rel,
			  STEP_MEDIA_MAX / (1024 * 1024));
		goto out;
	}
	raw = malloc((size_t)sb.st_size);
	if (!raw) {
		step_fail(s, "out of memory");
		goto out;
	}
	while (got < (size_t)sb.st_size &&
	       (n = read(fd, raw + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	if (got != (size_t)sb.st_size) {
		step_fail(s, "image %.64s could not be read whole", rel);
		goto out;
	}
	prefix = strlen(prefix_text);
	b64 = 4 * ((got + 2) / 3);
	url = malloc(prefix + b64 + 1);
	if (!url) {
		step_fail(s, "out of memory");
		goto out;
	}
	memcpy(url, prefix_text, prefix);
	EVP_EncodeBlock((unsigned char *)url + prefix, raw, (int)got);
	*out = json_string(url);
	if (!*out) {
		step_fail(s, "out of memory");
		goto out;
	}
	rv = 0;
out:
	if (fd >= 0)
		close(fd);
	free(raw);
	free(url);
	return rv;
}

