#ifndef HEARTH_MEDIA_GRAB_H
#define HEARTH_MEDIA_GRAB_H

/*
 * A still picture from a camera, and the camera URLs it comes from.
 *
 * A camera's config (sensors.config of a sensor of type camera) holds
 * snapshot_url (http/https, answers one JPEG) and/or stream_url (rtsp,
 * rtsps, http or https, a live stream ffmpeg can read).  Either may carry
 * user information ("rtsp://user:pass@10.0.0.5/live"): the API never shows
 * it (camera_url_redact) and a URL sent back with "***" in its place keeps
 * the stored one (camera_url_keep).
 *
 * Every camera URL passes the outbound policy (url_policy.h) when it
 * is saved (camera_url_check) and again when it is used: net_http checks
 * each address it connects to; before ffmpeg runs, the host is resolved
 * and every address checked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct hearth_config;
struct url_policy;

#define CAMERA_URL_MAX 2048            /* as the sensor type allows */
#define CAMERA_JPEG_MAX (256 * 1024)   /* bytes of a snapshot_url answer (NET_BODY_MAX) */
#define CAMERA_REDACTED "***"

/*
 * url with its user information replaced by "***" into out;
 * *had_credentials (may be NULL) tells whether there was any.  A URL
 * without "://" is copied as it is.  0, or -1 when out is too small.  Pure.
 */
int camera_url_redact(const char *url, char *out, size_t outsz, bool *had_credentials);

/*
 * A camera object as the store gives it (store/cameras.h: snapshot_url
 * and stream_url as stored, credentials included) made fit to show, in
 * place: each URL with its user information replaced by "***", and
 * has_credentials (placed after stream_url) telling whether either had
 * any.  Every reply that shows a camera passes through it.  Should memory
 * run out, the URLs are removed rather than left as stored.  camera is
 * borrowed.
 */
void camera_json_redact(json_t *camera);

/*
 * The URL to store when a client sends new_url for a camera whose stored
 * URL is old_url (may be NULL): new_url itself, unless its user
 * information is exactly "***", in which case old_url's user information
 * takes its place (none when old_url has none).  0, or -1 when out is too
 * small.  Pure.
 */
int camera_url_keep(const char *new_url, const char *old_url, char *out, size_t outsz);

/*
 * Whether a camera URL may be saved under policy p: rtsp, rtsps, http or
 * https, a host, no white space or control characters, and a host the
 * policy allows (a name is checked again at connect time).  User
 * information is allowed.  0, or -1 with a reason (never the URL) in why.
 */
int camera_url_check(const struct url_policy *p, const char *url, char *why, size_t whylen);

/*
 * The picture size of a JPEG held in data (from its SOF marker): 0, or -1
 * when data is not a whole JPEG (SOI first, a frame header, EOI near the
 * end).  Pure.
 */
int media_jpeg_size(const unsigned char *data, size_t len, unsigned *width, unsigned *height);

/* The same for a file, with its size in bytes; -1 when it cannot be read
 * or is no JPEG (at most 64 MiB read). */
int media_jpeg_file_info(const char *abs, uint64_t *size, unsigned *width, unsigned *height);

/*
 * Grab one JPEG from a camera into out_abs (an absolute path Hearth chose,
 * usually from media_tmp_file(); replaced): from snapshot_url through
 * net_http (credentials in the URL sent as HTTP Basic, the answer a JPEG of
 * at most CAMERA_JPEG_MAX bytes), else from stream_url through
 * ffmpeg_grab_frame with [media] ffmpeg_timeout.  config is the camera's
 * sensor config (borrowed).  0, or -1 with a one-line reason in err that
 * never holds the URL ("HTTP 401", "connection refused", "the answer is
 * not a JPEG", "no snapshot_url or stream_url").  The caller records the
 * outcome (store_camera_seen / store_camera_failed).
 */
int camera_grab_jpeg(const struct hearth_config *cfg, const json_t *config, const char *out_abs,
		     char *err, size_t errsz);

/* camera_grab_jpeg's answer when the camera has no URL to grab from, so a
 * caller can tell "nothing to grab from" (422) from a failure (502). */
#define CAMERA_GRAB_NO_URL "no snapshot_url or stream_url"

#endif
