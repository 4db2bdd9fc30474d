#ifndef HEARTH_STORE_NOTIFY_RULES_H
#define HEARTH_STORE_NOTIFY_RULES_H

/*
 * How each alert level is delivered (sql/005_delivery.sql,
 * notification_rules): its default channels, quiet hours and escalation.
 * One row per level, always present (the migration inserts them).
 *
 * JSON: {level, channels[], quiet_hours: {enabled, start "HH:MM",
 *   end "HH:MM"}, escalation_minutes, repeat_count, updated_at}
 */
#include <stdbool.h>

#include <jansson.h>

#include "err.h"

struct db;

struct notify_rule {
	char level[17];
	json_t *channels;          /* array of channel names; owned: notify_rule_clear() */
	bool quiet_enabled;
	char quiet_start[6];       /* "HH:MM", the hub's local time */
	char quiet_end[6];
	unsigned escalation_minutes; /* 0 = no reminders */
	unsigned repeat_count;
};

void notify_rule_clear(struct notify_rule *r);

/* All four levels, emergency first; *items a new array. */
enum herr store_notify_rules_list(struct db *db, json_t **items);

/* The rule of level.  HERR_NOT_FOUND for a level that does not exist. */
enum herr store_notify_rule_get(struct db *db, const char *level, struct notify_rule *r);

/* The same as JSON, *out a new reference. */
enum herr store_notify_rule_get_json(struct db *db, const char *level, json_t **out);

/*
 * Write r (already validated: known channels, times, bounds) over the row
 * of r->level.  HERR_NOT_FOUND for an unknown level.
 */
enum herr store_notify_rule_put(struct db *db, const struct notify_rule *r);

#endif
