/*
 * ffmpeg and ffprobe as child processes (see ffmpeg.h).
 *
 * The child is started with posix_spawn: no shell, a clean environment,
 * stdin on /dev/null, every inherited descriptor closed, default signal
 * dispositions and an empty signal mask (the API worker ignores SIGPIPE
 * and blocks SIGTERM; an ignored signal would survive exec), and its own
 * process group so that a timeout kills ffmpeg together with anything it
 * started.  The parent reads stdout and stderr until both close, then
 * waits; every path out of media_run() has reaped the child.
 */
#include "media/ffmpeg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"

/* Protocols an input may use.  A local file must not reach the network,
 * and a camera URL must not reach a local file. */
#define LOCAL_PROTOCOLS "file,pipe"
#define CAMERA_PROTOCOLS "rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,httpproxy"

/*
 * Demuxers a local input may be read with.  Playlists and scripts (hls,
 * concat, ffmetadata...) are absent on purpose: an uploaded "video" that
 * is really a playlist naming /etc/passwd must not be read through.
 */
#define LOCAL_FORMATS "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,h264,hevc," \
	"mjpeg,mpjpeg,image2,jpeg_pipe,png_pipe,webp_pipe,gif"

#define STDERR_KEEP 2048   /* the tail of ffmpeg's stderr kept for the reason */

static const char *const child_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

void ffmpeg_opts_from_config(const struct hearth_config *cfg, struct ffmpeg_opts *o)
{
	o->ffmpeg = cfg->media_ffmpeg;
	o->ffprobe = cfg->media_ffprobe;
	o->timeout_ms = cfg->media_ffmpeg_timeout_ms;
}

static int64_t ffmpeg__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last non-empty line of buf (modified in place), "" when none. */
static const char *ffmpeg__last_line(char *buf)
{
	size_t n = strlen(buf);

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	while (n > 0 && buf[n - 1] != '\n' && buf[n - 1] != '\r')
		n--;
	return buf + n;
}

/* Append len bytes to a buffer that keeps only its last cap - 1 bytes. */
static void ffmpeg__keep_tail(char *tail, size_t cap, const char *data, size_t len)
{
	size_t have = strlen(tail);

	if (len >= cap - 1) {
		memcpy(tail, data + len - (cap - 1), cap - 1);
		tail[cap - 1] = '\0';
		return;
	}
	if (have + len > cap - 1) {
		size_t drop = have + len - (cap - 1);
		memmove(tail, tail + drop, have - drop);
		have -= drop;
	}
	memcpy(tail + have, data, len);
	tail[have + len] = '\0';
}

static int ffmpeg__spawn(const char *const argv[], int out_fd, int err_fd, pid_t *pid)
{
	static const int defaults[] = { SIGPIPE, SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT,
					SIGCHLD, SIGALRM, SIGQUIT };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		sigaddset(&def, defaults[i]);
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, err_fd, 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&at, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&at, &def)) != 0 ||
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF)) != 0)
		goto out;
	/* posix_spawn takes char *const[]; it does not write to either array. */
	rc = posix_spawn(pid, argv[0], &fa, &at, (char *const *)(uintptr_t)argv,
			 (char *const *)(uintptr_t)child_env);
out:
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Wait for pid until deadline_ms; 1 reaped (status set), 0 still running. */
static int ffmpeg__reap_until(pid_t pid, int64_t deadline_ms, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR) {
			*status = 0;   /* ECHILD: someone else reaped it; nothing left to kill */
			return 1;
		}
		if (ffmpeg__now_ms() >= deadline_ms)
			return 0;
		struct timespec pause = { 0, 5 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
}

int media_run(const char *const argv[], long timeout_ms, char *out, size_t outsz,
	      char *err, size_t errsz)
{
	int rv = -1;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	char tail[STDERR_KEEP] = "";
	size_t out_len = 0;
	bool timed_out = false;
	pid_t pid = -1;
	int status = 0, rc;
	int64_t deadline = ffmpeg__now_ms() + (timeout_ms > 0 ? timeout_ms : 1);

	if (out && outsz > 0)
		out[0] = '\0';
	if (err && errsz > 0)
		err[0] = '\0';
	if (!argv || !argv[0] || argv[0][0] != '/') {
		snprintf(err, errsz, "program must be an absolute path");
		return -1;
	}
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((rc = ffmpeg__spawn(argv, out_pipe[1], err_pipe[1], &pid)) != 0) {
		pid = -1;
		snprintf(err, errsz, "cannot run %s: %s", argv[0], strerror(rc));
		goto out;
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;

	/* Read both pipes until they close or time runs out. */
	while (out_pipe[0] >= 0 || err_pipe[0] >= 0) {
		struct pollfd pf[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
		int64_t left = deadline - ffmpeg__now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		int n = poll(pf, 2, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errsz, "poll: %s", strerror(errno));
			timed_out = true;   /* treated as a failure: kill and reap */
			break;
		}
		for (int i = 0; n > 0 && i < 2; i++) {
			int *fd = i == 0 ? &out_pipe[0] : &err_pipe[0];
			char buf[4096];
			ssize_t got;
			if (*fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(*fd, buf, sizeof(buf));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (i == 1) {
				ffmpeg__keep_tail(tail, sizeof(tail), buf, (size_t)got);
			} else if (out && outsz > 1 && out_len < outsz - 1) {
				size_t take = (size_t)got;
				if (take > outsz - 1 - out_len)
					take = outsz - 1 - out_len;
				memcpy(out + out_len, buf, take);
				out_len += take;
				out[out_len] = '\0';
			}
		}
	}
	if (!timed_out && !ffmpeg__reap_until(pid, deadline, &status))
		timed_out = true;
	if (timed_out) {
		if (kill(-pid, SIGKILL) < 0 && errno != ESRCH)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		if (err && err[0] == '\0')
			snprintf(err, errsz, "timed out after %ld s", (timeout_ms + 999) / 1000);
		goto out;
	}
	pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rv = 0;
	} else if (WIFEXITED(status)) {
		snprintf(err, errsz, "exit %d: %s", WEXITSTATUS(status), ffmpeg__last_line(tail));
	} else if (WIFSIGNALED(status)) {
		snprintf(err, errsz, "killed by signal %d", WTERMSIG(status));
	} else {
		snprintf(err, errsz, "ended abnormally");
	}
out:
	if (pid > 0) {   /* not reached with a live child; kept as a last guard */
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return rv;
}

/* "file:" + an absolute path, so a name can be neither an option nor a
 * protocol prefix ("concat:", "http:"). */
static int ffmpeg__file_url(const char *abs, char *out, size_t outsz, const char *what,
			    char *err, size_t errsz)
{
	int n;

	if (!abs || abs[0] != '/') {
		snprintf(err, errsz, "%s must be an absolute path", what);
		return -1;
	}
	n = snprintf(out, outsz, "file:%s", abs);
	if (n < 0 || (size_t)n >= outsz) {
		snprintf(err, errsz, "%s: path too long", what);
		return -1;
	}
	return 0;
}

#define URL_MAX 2048

/* Parse a duration in seconds ("12.345000") to milliseconds; -1 when none. */
static int64_t ffmpeg__duration_ms(const char *s)
{
	char *end;
	double d;

	if (!s || !*s)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || !(d > 0) || d > 1e9)
		return -1;
	return (int64_t)(d * 1000.0 + 0.5);
}

int ffmpeg_probe(const struct ffmpeg_opts *o, const char *in_abs, struct media_probe *p,
		 char *err, size_t errsz)
{
	char in[URL_MAX];
	char out[16384];
	json_t *root = NULL;
	json_error_t jerr;
	int rv = -1;

	p->duration_ms = -1;
	p->width = p->height = 0;
	p->format[0] = '\0';
	if (ffmpeg__file_url(in_abs, in, sizeof(in), "input", err, errsz) < 0)
		return -1;
	const char *const argv[] = {
		o->ffprobe, "-v", "error", "-hide_banner",
		"-protocol_whitelist", LOCAL_PROTOCOLS, "-format_whitelist", LOCAL_FORMATS,
		"-show_entries", "format=duration,format_name:stream=codec_type,width,height,duration",
		"-of", "json", in, NULL
	};
	if (media_run(argv, o->timeout_ms, out, sizeof(out), err, errsz) < 0)
		return -1;

	root = json_loads(out, 0, &jerr);
	if (!root) {
		snprintf(err, errsz, "ffprobe: unreadable output");
		goto out;
	}
	json_t *streams = json_object_get(root, "streams");
	json_t *format = json_object_get(root, "format");
	const char *fmt_name = json_string_value(json_object_get(format, "format_name"));
	size_t i;
	json_t *s;
	json_array_foreach(streams, i, s) {
		const char *type = json_string_value(json_object_get(s, "codec_type"));
		json_int_t w = json_integer_value(json_object_get(s, "width"));
		json_int_t h = json_integer_value(json_object_get(s, "height"));
		if (!type || strcmp(type, "video") != 0 || w <= 0 || h <= 0 || w > 65535 || h > 65535)
			continue;
		p->width = (unsigned)w;
		p->height = (unsigned)h;
		p->duration_ms = ffmpeg__duration_ms(json_string_value(json_object_get(s, "duration")));
		break;
	}
	if (p->duration_ms < 0)
		p->duration_ms = ffmpeg__duration_ms(json_string_value(json_object_get(format,
											"duration")));
	if (fmt_name) {
		size_t n = strcspn(fmt_name, ",");
		if (n < sizeof(p->format)) {
			memcpy(p->format, fmt_name, n);
			p->format[n] = '\0';
		}
	}
	/* A still image demuxer reports the one frame's nominal length. */
	if (fmt_name && (strstr(fmt_name, "_pipe") || strcmp(fmt_name, "image2") == 0))
		p->duration_ms = -1;
	rv = 0;
out:
	json_decref(root);
	return rv;
}

int ffmpeg_grab_frame(const struct ffmpeg_opts *o, const char *url, const char *out_jpg,
		      char *err, size_t errsz)
{
	char outp[URL_MAX];
	bool rtsp;

	if (!url || !(strncmp(url, "rtsp://", 7) == 0 || strncmp(url, "rtsps://", 8) == 0 ||
		      strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)) {
		snprintf(err, errsz, "unsupported stream URL (rtsp, rtsps, http or https)");
		return -1;
	}
	if (ffmpeg__file_url(out_jpg, outp, sizeof(outp), "output", err, errsz) < 0)
		return -1;
	rtsp = strncmp(url, "rtsp", 4) == 0;
	const char *argv[32];
	size_t n = 0;
	argv[n++] = o->ffmpeg;
	argv[n++] = "-nostdin";
	argv[n++] = "-hide_banner";
	argv[n++] = "-loglevel";
	argv[n++] = "error";
	argv[n++] = "-protocol_whitelist";
	argv[n++] = CAMERA_PROTOCOLS;
	if (rtsp) {   /* interleaved over the one TCP connection: no UDP ports to open */
		argv[n++] = "-rtsp_transport";
		argv[n++] = "tcp";
	}
	const char *const tail_args[] = { "-i", url, "-an", "-frames:v", "1", "-q:v", "3",
					  "-f", "image2", "-update", "1", "-y", outp, NULL };
	for (size_t i = 0; i < sizeof(tail_args) / sizeof(tail_args[0]); i++)
		argv[n++] = tail_args[i];
	return media_run(argv, o->timeout_ms, NULL, 0, err, errsz);
}

int ffmpeg_thumbnail(const struct ffmpeg_opts *o, const char *video_abs, const char *out_jpg,
		     char *err, size_t errsz)
{
	char in[URL_MAX], outp[URL_MAX];

	if (ffmpeg__file_url(video_abs, in, sizeof(in), "input", err, errsz) < 0 ||
	    ffmpeg__file_url(out_jpg, outp, sizeof(outp), "output", err, errsz) < 0)
		return -1;
	const char *const argv[] = {
		o->ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", LOCAL_PROTOCOLS, "-format_whitelist", LOCAL_FORMATS,
		"-i", in, "-an", "-frames:v", "1", "-q:v", "3", "-f", "image2", "-update", "1",
		"-y", outp, NULL
	};
	return media_run(argv, o->timeout_ms, NULL, 0, err, errsz);
}

int ffmpeg_sprite(const struct ffmpeg_opts *o, const char *video_abs, int64_t duration_ms,
		  const char *out_jpg, char *err, size_t errsz)
{
	char in[URL_MAX], outp[URL_MAX], vf[256];

	if (duration_ms <= 0) {
		snprintf(err, errsz, "no duration");
		return -1;
	}
	if (ffmpeg__file_url(video_abs, in, sizeof(in), "input", err, errsz) < 0 ||
	    ffmpeg__file_url(out_jpg, outp, sizeof(outp), "output", err, errsz) < 0)
		return -1;
	/* One frame every tenth of the duration; letterboxed to 160x90 so the
	 * strip is 1600x90 whatever the camera's aspect.  A short final tile
	 * is flushed with the padding colour. */
	snprintf(vf, sizeof(vf),
		 "fps=10000/%" PRId64 ",scale=160:90:force_original_aspect_ratio=decrease,"
		 "pad=160:90:(ow-iw)/2:(oh-ih)/2,setsar=1,tile=10x1",
		 duration_ms);
	const char *const argv[] = {
		o->ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", LOCAL_PROTOCOLS, "-format_whitelist", LOCAL_FORMATS,
		"-i", in, "-an", "-vf", vf, "-frames:v", "1", "-q:v", "4",
		"-f", "image2", "-update", "1", "-y", outp, NULL
	};
	return media_run(argv, o->timeout_ms, NULL, 0, err, errsz);
}

int ffmpeg_stitch(const struct ffmpeg_opts *o, const char *list_abs, unsigned fps,
		  const char *resolution, const char *out_mp4, char *err, size_t errsz)
{
	char in[URL_MAX], outp[URL_MAX], vf[256], rate[16];
	const char *scale;

	if (fps < 1 || fps > 120) {
		snprintf(err, errsz, "fps must be 1-120");
		return -1;
	}
	if (!resolution || strcmp(resolution, "original") == 0)
		scale = "trunc(iw/2)*2:trunc(ih/2)*2";   /* yuv420p wants even sides */
	else if (strcmp(resolution, "640:480") == 0 || strcmp(resolution, "320:240") == 0)
		scale = resolution;
	else {
		snprintf(err, errsz, "resolution must be original, 640:480 or 320:240");
		return -1;
	}
	if (ffmpeg__file_url(list_abs, in, sizeof(in), "input", err, errsz) < 0 ||
	    ffmpeg__file_url(out_mp4, outp, sizeof(outp), "output", err, errsz) < 0)
		return -1;
	/* Each listed image is one frame: timestamps are renumbered rather
	 * than taken from the list. */
	snprintf(vf, sizeof(vf), "setpts=N/(%u*TB),scale=%s,format=yuv420p", fps, scale);
	snprintf(rate, sizeof(rate), "%u", fps);
	/* -safe 0: the list names absolute paths, all under the media root,
	 * written by Hearth itself. */
	const char *const argv[] = {
		o->ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", LOCAL_PROTOCOLS, "-f", "concat", "-safe", "0",
		"-i", in, "-an", "-vf", vf, "-r", rate, "-c:v", "libx264", "-pix_fmt", "yuv420p",
		"-movflags", "+faststart", "-f", "mp4", "-y", outp, NULL
	};
	return media_run(argv, o->timeout_ms, NULL, 0, err, errsz);
}
