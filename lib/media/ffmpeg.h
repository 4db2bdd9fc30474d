#ifndef HEARTH_MEDIA_FFMPEG_H
#define HEARTH_MEDIA_FFMPEG_H

/*
 * ffmpeg and ffprobe, run as child processes: no shell, stdin /dev/null,
 * its own process group, killed (SIGKILL to the group) when the timeout
 * runs out, and reaped in every case.  Inputs are limited to the protocols
 * a camera speaks (-protocol_whitelist), so a URL cannot make ffmpeg read
 * a local file.  Outputs are absolute paths Hearth chose (usually
 * media_tmp_file()).  Every function returns 0, or -1 with a one-line
 * reason in err ("timed out after 20 s", "exit 1: <ffmpeg's last line>").
 */
#include <stddef.h>
#include <stdint.h>

struct hearth_config;

struct ffmpeg_opts {
	const char *ffmpeg;         /* [media] ffmpeg */
	const char *ffprobe;        /* [media] ffprobe */
	long timeout_ms;            /* [media] ffmpeg_timeout_seconds */
};

void ffmpeg_opts_from_config(const struct hearth_config *cfg, struct ffmpeg_opts *o);

/*
 * Run argv (argv[0] the program's path, NULL-terminated) as described
 * above.  Up to outsz - 1 bytes of its stdout into out (may be NULL).
 */
int media_run(const char *const argv[], long timeout_ms, char *out, size_t outsz,
	      char *err, size_t errsz);

struct media_probe {
	int64_t duration_ms;        /* -1 when unknown (a still image) */
	unsigned width, height;     /* 0 when unknown */
	char format[32];            /* the demuxer's first name ("mov", "matroska",
	                             * "image2"), "" when unknown */
};

/* Duration and picture size of a file. */
int ffmpeg_probe(const struct ffmpeg_opts *o, const char *in_abs, struct media_probe *p,
		 char *err, size_t errsz);

/* One JPEG frame from a live stream (rtsp, rtsps, http, https). */
int ffmpeg_grab_frame(const struct ffmpeg_opts *o, const char *url, const char *out_jpg,
		      char *err, size_t errsz);

/* The first frame of a video as a JPEG. */
int ffmpeg_thumbnail(const struct ffmpeg_opts *o, const char *video_abs, const char *out_jpg,
		     char *err, size_t errsz);

/* 10 evenly spaced frames of a video, 160x90 each, in one 1600x90 JPEG
 * strip.  duration_ms from ffmpeg_probe(). */
int ffmpeg_sprite(const struct ffmpeg_opts *o, const char *video_abs, int64_t duration_ms,
		  const char *out_jpg, char *err, size_t errsz);

/*
 * An H.264 MP4 (yuv420p, +faststart) from the JPEG frames listed, in
 * order, in list_abs (an ffconcat file Hearth wrote), at fps frames per
 * second, scaled to resolution ("original", "640:480" or "320:240").
 */
int ffmpeg_stitch(const struct ffmpeg_opts *o, const char *list_abs, unsigned fps,
		  const char *resolution, const char *out_mp4, char *err, size_t errsz);

#endif
