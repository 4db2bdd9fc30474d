#ifndef HEARTH_SYSINFO_H
#define HEARTH_SYSINFO_H

/*
 * The host's health as /sys and /proc tell it, and the alert levels of
 * the Raspberry Pi camera's system alerts (seed 003):
 *
 *   metric      warn               critical
 *   cpu_temp    >= 65 °C           >= 80 °C
 *   throttle    -                  any flag active now (bits 0-3)
 *   storage     >= 85 % used       >= 95 % used
 *   sd_health   life_time >= 0x03  >= 0x0B (eMMC/SD "life time estimation")
 *
 * The readers take the root of the file system to read ("/" in
 * production) so a test can point them at a fake tree.  A metric the host
 * does not have (no thermal zone, not a Pi, no eMMC life time) is
 * "unavailable": its level is ok and its value null, never an alarm.
 */
#include <stdbool.h>

#include <jansson.h>

#define SYSINFO_CPU_TEMP_WARN_C 65.0
#define SYSINFO_CPU_TEMP_CRIT_C 80.0
#define SYSINFO_STORAGE_WARN_PCT 85.0
#define SYSINFO_STORAGE_CRIT_PCT 95.0
#define SYSINFO_SD_WARN 0x03u
#define SYSINFO_SD_CRIT 0x0Bu
/* get_throttled bits that describe now (the higher ones: "has occurred"). */
#define SYSINFO_THROTTLE_ACTIVE 0xFul

enum sysinfo_level { SYSINFO_OK, SYSINFO_WARN, SYSINFO_CRITICAL };

/* "ok", "warn", "critical". */
const char *sysinfo_level_name(enum sysinfo_level l);
enum sysinfo_level sysinfo_worst(enum sysinfo_level a, enum sysinfo_level b);

/* The pure threshold rules of the table above. */
enum sysinfo_level sysinfo_cpu_temp_level(double celsius);
enum sysinfo_level sysinfo_storage_level(double percent_used);
enum sysinfo_level sysinfo_throttle_level(unsigned long flags);
enum sysinfo_level sysinfo_sd_level(unsigned life_time_est);

/* What was read; a false has_* means the host does not offer it. */
struct sysinfo_readings {
	bool has_cpu_temp;
	double cpu_temp_c;
	bool has_storage;
	double storage_percent;
	bool has_throttle;
	unsigned long throttle_flags;
	bool has_sd;
	unsigned sd_life_time_est;
};

/*
 * The CPU temperature from root/sys/class/thermal: the first zone whose
 * type names the CPU or SoC (cpu-thermal, x86_pkg_temp, soc_thermal ...),
 * else the first zone with a plausible reading.  0, or -1 when none.
 */
int sysinfo_cpu_temp(const char *root, double *celsius);

/* root/proc/loadavg: the 1, 5 and 15 minute load averages.  0 or -1. */
int sysinfo_loadavg(const char *root, double load[3]);

/* root/proc/uptime: seconds since the host booted.  0 or -1. */
int sysinfo_uptime(const char *root, double *seconds);

/* The Raspberry Pi firmware's throttle flags
 * (root/sys/devices/platform/soc/soc:firmware/get_throttled).  0 or -1. */
int sysinfo_throttled(const char *root, unsigned long *flags);

/* The worst "life time estimation" of the MMC devices
 * (root/sys/block/mmcblkN/device/life_time, "0x01 0x02").  0 or -1. */
int sysinfo_sd_life_time(const char *root, unsigned *est);

/* Fill the CPU temperature, throttle and SD readings from root (storage
 * is the caller's: it knows which file system matters). */
void sysinfo_read(const char *root, struct sysinfo_readings *r);

/*
 * The health-alerts document for r (borrowed), a new reference (NULL on
 * allocation failure):
 *   {overall, alerts: {cpu_temp, throttle, storage, sd_health: level},
 *    values: {cpu_temp_c|null, throttle_flags|null, storage_percent|null,
 *             sd_life_time_est|null},
 *    available: {cpu_temp, throttle, storage, sd_health: bool},
 *    thresholds: {cpu_temp_c: {warn, critical}, storage_percent: {...},
 *                 sd_life_time_est: {...}}}
 * overall is the worst level.
 */
json_t *sysinfo_health_alerts(const struct sysinfo_readings *r);

#endif
