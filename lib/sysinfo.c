/*
 * Host health from /sys and /proc (sysinfo.h).  Every reader opens one
 * small file under a root given by the caller, reads at most a few hundred
 * bytes and parses them strictly: a file that is missing, empty or says
 * something unexpected makes the metric unavailable, never a guess.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysinfo.h"

#define SYSINFO_PATH 512
#define SYSINFO_READ_MAX 256

const char *sysinfo_level_name(enum sysinfo_level l)
{
	switch (l) {
	case SYSINFO_CRITICAL: return "critical";
	case SYSINFO_WARN: return "warn";
	case SYSINFO_OK:
	default: return "ok";
	}
}

enum sysinfo_level sysinfo_worst(enum sysinfo_level a, enum sysinfo_level b)
{
	return a > b ? a : b;
}

enum sysinfo_level sysinfo_cpu_temp_level(double celsius)
{
	if (celsius >= SYSINFO_CPU_TEMP_CRIT_C)
		return SYSINFO_CRITICAL;
	return celsius >= SYSINFO_CPU_TEMP_WARN_C ? SYSINFO_WARN : SYSINFO_OK;
}

enum sysinfo_level sysinfo_storage_level(double percent_used)
{
	if (percent_used >= SYSINFO_STORAGE_CRIT_PCT)
		return SYSINFO_CRITICAL;
	return percent_used >= SYSINFO_STORAGE_WARN_PCT ? SYSINFO_WARN : SYSINFO_OK;
}

enum sysinfo_level sysinfo_throttle_level(unsigned long flags)
{
	return flags & SYSINFO_THROTTLE_ACTIVE ? SYSINFO_CRITICAL : SYSINFO_OK;
}

enum sysinfo_level sysinfo_sd_level(unsigned life_time_est)
{
	if (life_time_est >= SYSINFO_SD_CRIT)
		return SYSINFO_CRITICAL;
	return life_time_est >= SYSINFO_SD_WARN ? SYSINFO_WARN : SYSINFO_OK;
}

/* root + rel into out; -1 when it does not fit. */
static int sysinfo__path(char *out, size_t outsz, const char *root, const char *rel)
{
	size_t rl;
	int n;

	if (!root || !*root)
		root = "/";
	rl = strlen(root);
	/* "/" + "/proc/uptime" would make "//proc/uptime": harmless, but untidy. */
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(out, outsz, "%.*s%s", (int)rl, root, rel);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* The start of a small file as a string, trailing whitespace removed.
 * 0, or -1 when it cannot be read or is empty. */
static int sysinfo__read(const char *path, char *buf, size_t bufsz)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, bufsz - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int sysinfo__read_rel(const char *root, const char *rel, char *buf, size_t bufsz)
{
	char path[SYSINFO_PATH];

	if (sysinfo__path(path, sizeof(path), root, rel) < 0)
		return -1;
	return sysinfo__read(path, buf, bufsz);
}

/* A thermal zone's temp file: millidegrees Celsius, within what a
 * working sensor reports. */
static int sysinfo__zone_temp(const char *dir, double *celsius)
{
	char path[SYSINFO_PATH + 316], buf[32], *end;
	long v;

	snprintf(path, sizeof(path), "%s/temp", dir);
	if (sysinfo__read(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < -60000 || v > 150000)
		return -1;
	*celsius = (double)v / 1000.0;
	return 0;
}

static int sysinfo__zone_is_cpu(const char *dir)
{
	static const char *const names[] = { "cpu", "x86_pkg_temp", "soc", "coretemp", "k10temp" };
	char path[SYSINFO_PATH + 316], type[64];

	snprintf(path, sizeof(path), "%s/type", dir);
	if (sysinfo__read(path, type, sizeof(type)) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(type, names[i]))
			return 1;
	return 0;
}

int sysinfo_cpu_temp(const char *root, double *celsius)
{
	char base[SYSINFO_PATH], dir[SYSINFO_PATH + 300];
	struct dirent **list = NULL;
	int n, rv = -1;
	int pass;

	if (sysinfo__path(base, sizeof(base), root, "/sys/class/thermal") < 0)
		return -1;
	/* Sorted, so "the first zone" means the same zone every time. */
	n = scandir(base, &list, NULL, versionsort);
	if (n < 0)
		return -1;
	/* First a zone that says it is the CPU's, then any that reads. */
	for (pass = 0; pass < 2 && rv < 0; pass++) {
		for (int i = 0; i < n && rv < 0; i++) {
			if (strncmp(list[i]->d_name, "thermal_zone", 12) != 0)
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", base, list[i]->d_name);
			if (pass == 0 && !sysinfo__zone_is_cpu(dir))
				continue;
			if (sysinfo__zone_temp(dir, celsius) == 0)
				rv = 0;
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rv;
}

int sysinfo_loadavg(const char *root, double load[3])
{
	char buf[SYSINFO_READ_MAX];
	double a, b, c;

	if (sysinfo__read_rel(root, "/proc/loadavg", buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "%lf %lf %lf", &a, &b, &c) != 3 || !isfinite(a) || !isfinite(b) ||
	    !isfinite(c) || a < 0 || b < 0 || c < 0)
		return -1;
	load[0] = a;
	load[1] = b;
	load[2] = c;
	return 0;
}

int sysinfo_uptime(const char *root, double *seconds)
{
	char buf[SYSINFO_READ_MAX];
	double up;

	if (sysinfo__read_rel(root, "/proc/uptime", buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "%lf", &up) != 1 || !isfinite(up) || up < 0)
		return -1;
	*seconds = up;
	return 0;
}

int sysinfo_throttled(const char *root, unsigned long *flags)
{
	char buf[64], *end;
	const char *p;
	unsigned long v;

	if (sysinfo__read_rel(root, "/sys/devices/platform/soc/soc:firmware/get_throttled", buf,
			      sizeof(buf)) < 0)
		return -1;
	/* The firmware driver prints hex without a prefix; vcgencmd's
	 * "throttled=0x50005" is accepted as well. */
	p = strncmp(buf, "throttled=", 10) == 0 ? buf + 10 : buf;
	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 16);
	if (errno || end == p || *end)
		return -1;
	*flags = v;
	return 0;
}

/* "0x01 0x02" (type A and type B estimates): the larger; -1 when neither
 * is a number from 0x00 to 0x0B. */
static int sysinfo__parse_life_time(const char *s, unsigned *est)
{
	unsigned worst = 0;
	int found = 0;

	for (;;) {
		char *end;
		unsigned long v;

		s += strspn(s, " \t");
		if (!*s)
			break;
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoul(s, &end, 16);
		if (errno || end == s || v > 0x0B || (*end && *end != ' ' && *end != '\t'))
			return -1;
		if (v > worst)
			worst = (unsigned)v;
		found = 1;
		s = end;
	}
	if (!found)
		return -1;
	*est = worst;
	return 0;
}

int sysinfo_sd_life_time(const char *root, unsigned *est)
{
	char base[SYSINFO_PATH], path[SYSINFO_PATH + 300], buf[64];
	struct dirent **list = NULL;
	unsigned worst = 0;
	int n, found = 0;

	if (sysinfo__path(base, sizeof(base), root, "/sys/block") < 0)
		return -1;
	n = scandir(base, &list, NULL, versionsort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		unsigned v;

		/* mmcblk0, not its partitions or boot areas (mmcblk0boot0). */
		if (strncmp(list[i]->d_name, "mmcblk", 6) == 0 &&
		    strspn(list[i]->d_name + 6, "0123456789") == strlen(list[i]->d_name + 6)) {
			snprintf(path, sizeof(path), "%s/%s/device/life_time", base, list[i]->d_name);
			if (sysinfo__read(path, buf, sizeof(buf)) == 0 &&
			    sysinfo__parse_life_time(buf, &v) == 0) {
				if (!found || v > worst)
					worst = v;
				found = 1;
			}
		}
		free(list[i]);
	}
	free(list);
	if (!found)
		return -1;
	*est = worst;
	return 0;
}

void sysinfo_read(const char *root, struct sysinfo_readings *r)
{
	r->has_cpu_temp = sysinfo_cpu_temp(root, &r->cpu_temp_c) == 0;
	r->has_throttle = sysinfo_throttled(root, &r->throttle_flags) == 0;
	r->has_sd = sysinfo_sd_life_time(root, &r->sd_life_time_est) == 0;
}

/* A value rounded for people: 0.1 of a degree or a percent is plenty. */
static json_t *sysinfo__round1(double v)
{
	/* By hand: libhearth does not link libm for one rounding. */
	return json_real((double)(long long)(v * 10.0 + (v >= 0 ? 0.5 : -0.5)) / 10.0);
}

json_t *sysinfo_health_alerts(const struct sysinfo_readings *r)
{
	enum sysinfo_level cpu = r->has_cpu_temp ? sysinfo_cpu_temp_level(r->cpu_temp_c) : SYSINFO_OK;
	enum sysinfo_level thr = r->has_throttle ? sysinfo_throttle_level(r->throttle_flags) : SYSINFO_OK;
	enum sysinfo_level sto = r->has_storage ? sysinfo_storage_level(r->storage_percent) : SYSINFO_OK;
	enum sysinfo_level sd = r->has_sd ? sysinfo_sd_level(r->sd_life_time_est) : SYSINFO_OK;
	enum sysinfo_level overall = sysinfo_worst(sysinfo_worst(cpu, thr), sysinfo_worst(sto, sd));

	return json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:o, s:o, s:o, s:o},"
			 " s:{s:b, s:b, s:b, s:b},"
			 " s:{s:{s:f, s:f}, s:{s:f, s:f}, s:{s:i, s:i}}}",
			 "overall", sysinfo_level_name(overall),
			 "alerts",
			 "cpu_temp", sysinfo_level_name(cpu),
			 "throttle", sysinfo_level_name(thr),
			 "storage", sysinfo_level_name(sto),
			 "sd_health", sysinfo_level_name(sd),
			 "values",
			 "cpu_temp_c", r->has_cpu_temp ? sysinfo__round1(r->cpu_temp_c) : json_null(),
			 "throttle_flags", r->has_throttle ? json_integer((json_int_t)r->throttle_flags)
							   : json_null(),
			 "storage_percent", r->has_storage ? sysinfo__round1(r->storage_percent)
							   : json_null(),
			 "sd_life_time_est", r->has_sd ? json_integer(r->sd_life_time_est) : json_null(),
			 "available",
			 "cpu_temp", r->has_cpu_temp, "throttle", r->has_throttle,
			 "storage", r->has_storage, "sd_health", r->has_sd,
			 "thresholds",
			 "cpu_temp_c", "warn", SYSINFO_CPU_TEMP_WARN_C,
			 "critical", SYSINFO_CPU_TEMP_CRIT_C,
			 "storage_percent", "warn", SYSINFO_STORAGE_WARN_PCT,
			 "critical", SYSINFO_STORAGE_CRIT_PCT,
			 "sd_life_time_est", "warn", (int)SYSINFO_SD_WARN,
			 "critical", (int)SYSINFO_SD_CRIT);
}
