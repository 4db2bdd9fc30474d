#ifndef HEARTH_CACHE_H
#define HEARTH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * memcached, as a cache that may vanish at any time: every call degrades to
 * a miss or a no-op when the servers are down, after a short timeout
 * (about 100 ms connect/poll), and a server found dead is not tried again
 * for a few seconds.  Callers always have a database fallback.
 *
 * Keys are namespaced: "hearth:" + key.  Keys must be at most 200 bytes of
 * printable ASCII with no spaces.
 */
struct cache;

/* servers: "host:port[,host:port...]" or "/unix/socket"; NULL or "" = a
 * cache that always misses.  secret (borrowed; security.secret_key) keys
 * the signature every stored value carries; without one the cache always
 * misses.  NULL only on allocation failure. */
struct cache *cache_new(const char *servers, const unsigned char *secret, size_t secret_len);
/* Flushes first when an invalidation of this process may have been lost. */
void cache_free(struct cache *c);

/* false while an invalidation of this process may not have reached
 * memcached (it was down): the cache may then serve what should be gone
 * until it is flushed, which this call tries first. */
bool cache_settled(struct cache *c);

/* A new malloc'd copy of the value (NUL-terminated for convenience) or NULL
 * on a miss or any error. */
char *cache_get(struct cache *c, const char *key, size_t *len);
void cache_set(struct cache *c, const char *key, const void *val, size_t len, time_t ttl);
void cache_delete(struct cache *c, const char *key);

/*
 * Like cache_set, but only when the key is absent.  Use it to fill the
 * cache from the database: cache_delete leaves a short-lived tombstone that
 * cache_add does not overwrite, so a row read just before a write cannot be
 * put back after the write's cache_delete.  ttl must be > 0.
 */
void cache_add(struct cache *c, const char *key, const void *val, size_t len, time_t ttl);

/*
 * Version counters for invalidating a whole namespace at once: a cached
 * list is stored under a key that includes cache_version(ns), and a write
 * calls cache_bump(ns).  cache_version returns 0 when the cache is down
 * (callers must then skip the cache, not use version 0).
 */
uint64_t cache_version(struct cache *c, const char *ns);
void cache_bump(struct cache *c, const char *ns);

/*
 * Values stored under a namespace version, for pages that one write must
 * make stale all at once.  cache_get_versioned fetches the namespace's
 * version counter and the value in a single round trip; it returns the
 * value (new malloc'd copy) only when it was stored under the current
 * version, and sets *version to that version either way (0 when the cache
 * is down: then skip cache_set_versioned too).
 */
char *cache_get_versioned(struct cache *c, const char *ns, const char *key,
			  uint64_t *version, size_t *len);
void cache_set_versioned(struct cache *c, const char *key, uint64_t version,
			 const void *val, size_t len, time_t ttl);

/* 1 if at least one server answered a round trip just now, else 0. */
/*
 * Ask for up to 8 keys (as given to cache_get; a namespace's counter is
 * "ver:<ns>") in one round trip; cache_get, cache_version and
 * cache_get_versioned then answer from the replies, a miss included,
 * until cache_prefetch_drop.  Writing a key through this process forgets
 * its reply.  0, or -1 when the server could not be asked (the reads then
 * ask it themselves, or miss).
 */
int cache_prefetch(struct cache *c, const char *const *keys, size_t n);
void cache_prefetch_drop(struct cache *c);

/*
 * Counters in the file at path, shared by every process that maps it (the
 * API's master creates it before forking its workers; hearthctl maps it
 * when it is there): cache_bump moves a namespace's here too, after
 * memcached's.  cache_local_version is the namespace's now, 0 when there
 * are none (not mapped): a worker may keep what it read in its own memory
 * for as long as the counter it read before reading stays the same.
 * 0, or -1 with errno.
 */
int cache_local_init(const char *path, bool create);
uint64_t cache_local_version(const char *ns);

/* How many round trips this process has made to read (get or multi-get). */
uint64_t cache_reads(const struct cache *c);

int cache_alive(struct cache *c);

#endif
