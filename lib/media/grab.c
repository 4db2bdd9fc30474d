/*
 * Camera URLs and grabbing a still picture (see grab.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "media/ffmpeg.h"
#include "media/grab.h"
#include "net/http.h"
#include "url_policy.h"

#define GRAB_FILE_MAX (64L * 1024 * 1024)

/* ---------------------------------------------------------------- URLs */

/* Where a URL's parts are: the authority is url[auth, end), its user
 * information url[auth, at) when at != 0 (the '@' is at url[at]). */
struct url_parts {
	size_t scheme_len;   /* bytes before "://" */
	size_t auth, end, at;
};

/* 0, or -1 when url has no "scheme://". */
static int grab__parts(const char *url, struct url_parts *u)
{
	const char *sep = strstr(url, "://");

	memset(u, 0, sizeof(*u));
	if (!sep || sep == url)
		return -1;
	for (const char *p = url; p < sep; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (p > url && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))))
			return -1;
	u->scheme_len = (size_t)(sep - url);
	u->auth = u->scheme_len + 3;
	u->end = u->auth + strcspn(url + u->auth, "/?#");
	/* The last '@': a password may hold an unencoded '@'. */
	for (size_t i = u->auth; i < u->end; i++)
		if (url[i] == '@')
			u->at = i;
	return 0;
}

/* url with its user information (url[auth, at)) replaced by ui (NULL or
 * "": none) into out. */
static int grab__with_userinfo(const char *url, const struct url_parts *u, const char *ui,
			       size_t ui_len, char *out, size_t outsz)
{
	const char *rest = url + (u->at ? u->at + 1 : u->auth);
	int n;

	if (ui && ui_len > 0)
		n = snprintf(out, outsz, "%.*s%.*s@%s", (int)u->auth, url, (int)ui_len, ui, rest);
	else
		n = snprintf(out, outsz, "%.*s%s", (int)u->auth, url, rest);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int camera_url_redact(const char *url, char *out, size_t outsz, bool *had_credentials)
{
	struct url_parts u;

	if (had_credentials)
		*had_credentials = false;
	if (!url || grab__parts(url, &u) != 0 || !u.at)
		return (size_t)snprintf(out, outsz, "%s", url ? url : "") >= outsz ? -1 : 0;
	if (had_credentials)
		*had_credentials = true;
	return grab__with_userinfo(url, &u, CAMERA_REDACTED, strlen(CAMERA_REDACTED), out, outsz);
}

/* The URL value v as shown (a new reference): a string with its user
 * information redacted, anything else (null) as it is; NULL when out of
 * memory. */
static json_t *grab__shown_url(json_t *v, bool *creds)
{
	const char *url = json_string_value(v);
	char shown[CAMERA_URL_MAX + 8];
	bool had = false;

	if (!url)
		return json_incref(v);
	if (camera_url_redact(url, shown, sizeof(shown), &had) != 0)
		return json_string(CAMERA_REDACTED);   /* cannot happen: URLs are capped */
	*creds = *creds || had;
	return json_string(shown);
}

void camera_json_redact(json_t *camera)
{
	static const char *const keys[] = {"snapshot_url", "stream_url"};
	json_t *url[2] = {NULL, NULL}, *shown = NULL, *v;
	const char *key;
	bool creds = false;
	size_t i;

	if (!json_is_object(camera))
		return;
	for (i = 0; i < 2; i++) {
		v = json_object_get(camera, keys[i]);
		if (v && !(url[i] = grab__shown_url(v, &creds)))
			goto fail;
	}
	/* Rebuilt in the same order, so has_credentials follows the URLs as
	 * it always has. */
	if (!(shown = json_object()))
		goto fail;
	json_object_foreach(camera, key, v) {
		if (strcmp(key, "has_credentials") == 0)
			continue;
		for (i = 0; i < 2 && strcmp(key, keys[i]) != 0; i++)
			;
		if (json_object_set(shown, key, i < 2 ? url[i] : v) != 0)
			goto fail;
		if (i == 1 && json_object_set_new(shown, "has_credentials", json_boolean(creds)) != 0)
			goto fail;
	}
	if (!json_object_get(shown, "has_credentials") &&
	    json_object_set_new(shown, "has_credentials", json_boolean(creds)) != 0)
		goto fail;
	if (json_object_clear(camera) != 0 || json_object_update(camera, shown) != 0)
		goto fail;
	goto out;
fail:
	for (i = 0; i < 2; i++)
		json_object_del(camera, keys[i]);
out:
	json_decref(shown);
	json_decref(url[0]);
	json_decref(url[1]);
}

int camera_url_keep(const char *new_url, const char *old_url, char *out, size_t outsz)
{
	struct url_parts nu, ou;
	const size_t rlen = strlen(CAMERA_REDACTED);

	if (grab__parts(new_url, &nu) != 0 || !nu.at || nu.at - nu.auth != rlen ||
	    memcmp(new_url + nu.auth, CAMERA_REDACTED, rlen) != 0)
		return (size_t)snprintf(out, outsz, "%s", new_url) >= outsz ? -1 : 0;
	if (!old_url || grab__parts(old_url, &ou) != 0 || !ou.at)
		return grab__with_userinfo(new_url, &nu, NULL, 0, out, outsz);
	return grab__with_userinfo(new_url, &nu, old_url + ou.auth, ou.at - ou.auth, out, outsz);
}

int camera_url_check(const struct url_policy *p, const char *url, char *why, size_t whylen)
{
	static const struct {
		const char *scheme, *as;
	} schemes[] = {{"http", "http"}, {"https", "https"}, {"rtsp", "http"}, {"rtsps", "https"}};
	char probe[CAMERA_URL_MAX + 16];
	const char *as = NULL;
	struct url_parts u;
	size_t host;

	if (!url || !*url) {
		snprintf(why, whylen, "the URL is empty");
		return -1;
	}
	if (strlen(url) > CAMERA_URL_MAX) {
		snprintf(why, whylen, "the URL is longer than %d bytes", CAMERA_URL_MAX);
		return -1;
	}
	for (const char *c = url; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			snprintf(why, whylen, "the URL contains a space or a control character");
			return -1;
		}
	}
	if (grab__parts(url, &u) == 0) {
		for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
			if (strlen(schemes[i].scheme) == u.scheme_len &&
			    strncmp(url, schemes[i].scheme, u.scheme_len) == 0)
				as = schemes[i].as;
	}
	if (!as) {
		snprintf(why, whylen, "only rtsp, rtsps, http and https URLs are allowed");
		return -1;
	}
	host = u.at ? u.at + 1 : u.auth;
	if (host >= u.end) {
		snprintf(why, whylen, "the URL has no host");
		return -1;
	}
	/* The policy judges the host (and the port's syntax); the user
	 * information and the path are the camera's business. */
	snprintf(probe, sizeof(probe), "%s://%.*s/", as, (int)(u.end - host), url + host);
	return url_policy_check_url(p, probe, why, whylen);
}

/* ---------------------------------------------------------------- JPEG */

int media_jpeg_size(const unsigned char *d, size_t len, unsigned *width, unsigned *height)
{
	size_t i = 2, tail;
	bool eoi = false;

	if (len < 4 || d[0] != 0xFF || d[1] != 0xD8 || d[2] != 0xFF)
		return -1;
	/* Some cameras pad after the end marker; a cut-off file has none. */
	tail = len > 64 ? len - 64 : 2;
	for (size_t k = len - 2; k + 1 > tail && !eoi; k--)
		eoi = d[k] == 0xFF && d[k + 1] == 0xD9;
	if (!eoi)
		return -1;
	while (i + 4 <= len) {
		unsigned m, seglen;

		if (d[i] != 0xFF)
			return -1;
		while (i < len && d[i] == 0xFF)   /* fill bytes */
			i++;
		if (i >= len)
			return -1;
		m = d[i++];
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			continue;             /* no length */
		if (m == 0xD9 || m == 0xDA || i + 2 > len)
			return -1;            /* a scan or the end before any frame header */
		seglen = (unsigned)d[i] << 8 | d[i + 1];
		if (seglen < 2 || i + seglen > len)
			return -1;
		/* SOF0-SOF15, less DHT (C4), JPG (C8) and DAC (CC). */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (seglen < 7)
				return -1;
			*height = (unsigned)d[i + 3] << 8 | d[i + 4];
			*width = (unsigned)d[i + 5] << 8 | d[i + 6];
			return *width > 0 && *height > 0 ? 0 : -1;
		}
		i += seglen;
	}
	return -1;
}

int media_jpeg_file_info(const char *abs, uint64_t *size, unsigned *width, unsigned *height)
{
	unsigned char *buf = NULL;
	struct stat sb;
	size_t got = 0;
	int fd, rv = -1;

	if ((fd = open(abs, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    sb.st_size > GRAB_FILE_MAX || !(buf = malloc((size_t)sb.st_size)))
		goto out;
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	if (media_jpeg_size(buf, got, width, height) != 0)
		goto out;
	*size = got;
	rv = 0;
out:
	free(buf);
	close(fd);
	return rv;
}

/* ---------------------------------------------------------------- grabbing */

/* Percent-decode src[0, len) into out; -1 when it does not fit or a
 * decoded byte is a control character (it would end up in a header). */
static int grab__unescape(const char *src, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned c = (unsigned char)src[i];

		if (c == '%') {
			char hex[3];

			if (i + 2 >= len || !isxdigit((unsigned char)src[i + 1]) ||
			    !isxdigit((unsigned char)src[i + 2]))
				return -1;
			hex[0] = src[i + 1];
			hex[1] = src[i + 2];
			hex[2] = '\0';
			c = (unsigned)strtoul(hex, NULL, 16);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* "Authorization: Basic ..." for the user information of url (u), and url
 * without it into bare.  0, or -1 when the credentials are unusable. */
static int grab__basic_auth(const char *url, const struct url_parts *u, char *bare,
			    size_t baresz, char *header, size_t headersz)
{
	char plain[512];
	unsigned char b64[700];
	const char *ui = url + u->auth;
	size_t ui_len = u->at - u->auth;

	if (grab__with_userinfo(url, u, NULL, 0, bare, baresz) != 0)
		return -1;
	/* user:password, each percent-decoded; the ':' itself is not. */
	{
		const char *colon = memchr(ui, ':', ui_len);
		size_t ulen = colon ? (size_t)(colon - ui) : ui_len, plen;
		char user[256], pass[256];

		if (grab__unescape(ui, ulen, user, sizeof(user)) != 0)
			return -1;
		pass[0] = '\0';
		if (colon && grab__unescape(colon + 1, ui_len - ulen - 1, pass, sizeof(pass)) != 0)
			return -1;
		plen = (size_t)snprintf(plain, sizeof(plain), "%s:%s", user, pass);
		if (plen >= sizeof(plain) || 4 * ((plen + 2) / 3) + 1 > sizeof(b64))
			return -1;
		EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)plen);
		OPENSSL_cleanse(plain, sizeof(plain));
		OPENSSL_cleanse(pass, sizeof(pass));
	}
	if ((size_t)snprintf(header, headersz, "Authorization: Basic %s", b64) >= headersz)
		return -1;
	OPENSSL_cleanse(b64, sizeof(b64));
	return 0;
}

/* Write data to abs (replaced), flushed. */
static int grab__write(const char *abs, const void *data, size_t len)
{
	const unsigned char *p = data;
	int fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int grab__http(const char *url, const char *out_abs, char *err, size_t errsz)
{
	char bare[CAMERA_URL_MAX + 1], auth[800];
	const char *headers[] = {auth, "Accept: image/jpeg", NULL};
	struct net_request rq = {.method = "GET", .url = url, .headers = headers + 1};
	struct net_response rs;
	struct url_parts u;
	unsigned w = 0, h = 0;
	enum herr e;
	int rv = -1;

	auth[0] = '\0';
	if (grab__parts(url, &u) == 0 && u.at) {
		if (grab__basic_auth(url, &u, bare, sizeof(bare), auth, sizeof(auth)) != 0) {
			snprintf(err, errsz, "the credentials in snapshot_url cannot be used");
			return -1;
		}
		rq.url = bare;
		rq.headers = headers;
	}
	e = net_http(&rq, &rs);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (e != HERR_OK) {
		snprintf(err, errsz, "%s", rs.error[0] ? rs.error : "the request failed");
		goto out;
	}
	if (!net_response_ok(&rs)) {
		snprintf(err, errsz, "%s", rs.error[0] ? rs.error : "not a 2xx answer");
		goto out;
	}
	if (rs.body_len >= NET_BODY_MAX || rs.body_len > CAMERA_JPEG_MAX) {
		snprintf(err, errsz, "the image is larger than %d KiB", CAMERA_JPEG_MAX / 1024);
		goto out;
	}
	if (media_jpeg_size((const unsigned char *)rs.body, rs.body_len, &w, &h) != 0) {
		snprintf(err, errsz, "the answer is not a JPEG image");
		goto out;
	}
	if (grab__write(out_abs, rs.body, rs.body_len) != 0) {
		snprintf(err, errsz, "cannot write the image: %s", strerror(errno));
		goto out;
	}
	rv = 0;
out:
	net_response_free(&rs);
	return rv;
}

/* The host of url (brackets of an IPv6 literal dropped) into out. */
static int grab__host(const char *url, const struct url_parts *u, char *out, size_t outsz)
{
	const char *h = url + (u->at ? u->at + 1 : u->auth), *end = url + u->end, *stop;

	if (*h == '[') {
		stop = memchr(h, ']', (size_t)(end - h));
		if (!stop)
			return -1;
		h++;
	} else {
		stop = memchr(h, ':', (size_t)(end - h));
		if (!stop)
			stop = end;
	}
	if (stop == h || (size_t)(stop - h) >= outsz)
		return -1;
	memcpy(out, h, (size_t)(stop - h));
	out[stop - h] = '\0';
	return 0;
}

/* Resolve the stream's host and check every address with the policy:
 * ffmpeg connects by itself, past net_http's open-socket check. */
static int grab__resolve_check(const char *url, char *err, size_t errsz)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	struct addrinfo *res = NULL;
	char host[256], why[256];
	struct url_parts u;
	int rc, rv = -1;

	if (grab__parts(url, &u) != 0 || grab__host(url, &u, host, sizeof(host)) != 0) {
		snprintf(err, errsz, "stream_url has no usable host");
		return -1;
	}
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsz, "cannot resolve the camera's host: %s", gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		if (url_policy_check_addr(net_policy(), a->ai_addr, why, sizeof(why)) != 0) {
			snprintf(err, errsz, "refused by the outbound policy: %s", why);
			goto out;
		}
	}
	rv = 0;
out:
	freeaddrinfo(res);
	return rv;
}

static int grab__stream(const struct hearth_config *cfg, const char *url, const char *out_abs,
			char *err, size_t errsz)
{
	struct ffmpeg_opts o;
	uint64_t size = 0;
	unsigned w = 0, h = 0;
	char why[256];

	if (camera_url_check(net_policy(), url, why, sizeof(why)) != 0) {
		snprintf(err, errsz, "stream_url refused: %s", why);
		return -1;
	}
	if (grab__resolve_check(url, err, errsz) != 0)
		return -1;
	ffmpeg_opts_from_config(cfg, &o);
	if (ffmpeg_grab_frame(&o, url, out_abs, err, errsz) != 0)
		return -1;
	if (media_jpeg_file_info(out_abs, &size, &w, &h) != 0) {
		snprintf(err, errsz, "ffmpeg did not write a JPEG image");
		return -1;
	}
	return 0;
}

int camera_grab_jpeg(const struct hearth_config *cfg, const json_t *config, const char *out_abs,
		     char *err, size_t errsz)
{
	const char *snap = json_string_value(json_object_get(config, "snapshot_url"));
	const char *stream = json_string_value(json_object_get(config, "stream_url"));

	if (errsz > 0)
		err[0] = '\0';
	if (!out_abs || *out_abs != '/') {
		snprintf(err, errsz, "no output file");
		return -1;
	}
	if (snap && *snap)
		return grab__http(snap, out_abs, err, errsz);
	if (stream && *stream)
		return grab__stream(cfg, stream, out_abs, err, errsz);
	snprintf(err, errsz, CAMERA_GRAB_NO_URL);
	return -1;
}
