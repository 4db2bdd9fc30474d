#ifndef HEARTH_MAC_H
#define HEARTH_MAC_H

/*
 * Hardware (MAC-48) addresses as people and devices write them, in the
 * one form Hearth keeps: six lowercase hex pairs joined by colons, the way
 * Home Assistant writes a device's ["mac", ...] connection.
 */
#include <stdbool.h>

#define MAC_TEXT_LEN 17   /* "aa:bb:cc:dd:ee:ff" */

/*
 * Read in, one of "AA:BB:CC:DD:EE:FF", "aa-bb-cc-dd-ee-ff" (one separator
 * throughout), "aabb.ccdd.eeff" or "aabbccddeeff", any case, into out
 * (MAC_TEXT_LEN + 1 bytes) as "aa:bb:cc:dd:ee:ff".  False, out left "",
 * for anything else (other separators, a missing or extra digit, spaces).
 */
bool mac_normalize(const char *in, char out[MAC_TEXT_LEN + 1]);

#endif
