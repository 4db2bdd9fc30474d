/*
 * memcached as a cache that can only ever make things slower, never wrong.
 *
 * Down or slow: connect and poll time out after 100 ms, and after a failure
 * the servers are left alone for CACHE_RETRY_SECONDS, then tried again, so
 * one that comes back is used again.
 * Servers are never ejected from the ring: moving a dead server's keys to
 * another one and back would bring back whatever those keys held before.
 *
 * Invalidation has three guards:
 *  - cache_delete leaves a short-lived tombstone instead of removing the
 *    key, and cache_add (the way to fill from the database) does not
 *    overwrite it, so a reader that fetched a row just before a write
 *    cannot put the old row back after the write's invalidation.
 *  - Version counters start at a random value, so a counter lost to a
 *    restart or an eviction never repeats a version that older entries
 *    are still stored under.
 *  - If an invalidation may not have reached the server (timeout, broken
 *    connection), this process stops trusting the cache until it has
 *    flushed it: the server may still hold what should have gone.
 *
 * Every value is signed: memcached has no authentication, so anyone who
 * can reach it could otherwise plant an API key row or a list page.  An
 * item is HMAC-SHA256(key derived from security.secret_key, item key | 0 |
 * expiry | value), the expiry and the value; one that does not verify, or
 * whose signed expiry has passed, is a miss.  The signed expiry is what
 * stops a replay: an item copied before an invalidation and set again
 * afterwards lives no longer than the ttl it was first stored with.  Only
 * the version counters are plain numbers (memcached increments them); a
 * forged counter can at worst bring back a page that was once true.
 *
 * A struct cache belongs to one process: connections inherited over fork
 * are left alone and the child opens its own.
 *
 * Prefetch: a request that knows what it is about to read (the settings
 * counter, its credential's row, a list page and its namespace's counter)
 * asks for all of it in one multi-get; the reads that follow are answered
 * from those replies, a miss included, instead of a round trip each.  A
 * write of a prefetched key through this process forgets its reply, and
 * the caller drops them all when its request ends.
 */
#include "cache.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmemcached/memcached.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "proc.h"

#define CACHE_NS "hearth:"
#define CACHE_KEY_MAX 200
#define CACHE_KEYBUF (sizeof(CACHE_NS) + CACHE_KEY_MAX)

#define CACHE_CONNECT_TIMEOUT_MS 100
#define CACHE_POLL_TIMEOUT_MS 100
#define CACHE_RETRY_SECONDS 2

/* Longest a tombstone blocks refills: more than any database round trip
 * between a reader's SELECT and its cache_add. */
#define CACHE_TOMBSTONE_SECONDS 30
/* memcached reads an expiry above 30 days as an absolute time. */
#define CACHE_TTL_MAX (30 * 24 * 3600)

/* Item flags: what kind of value an item holds. */
#define CACHE_FLAG_VALUE 0
#define CACHE_FLAG_TOMBSTONE 0x4854 /* "HT" */

#define CACHE_LOG_INTERVAL 10

/* The most keys one request prefetches. */
#define CACHE_PREFETCH_MAX 8

#define CACHE_TAG_LEN 32
/* A signed item: tag | expiry (8 bytes, big-endian Unix seconds) | value. */
#define CACHE_HEAD_LEN (CACHE_TAG_LEN + 8)

/* One prefetched key: its reply (a copy), or that it was not there. */
struct cache_pre {
	char k[CACHE_KEYBUF];
	size_t klen;
	char *v;             /* NULL: not found (or a failed reply) */
	size_t vlen;
	uint32_t flags;
};

struct cache {
	memcached_st *mc;    /* NULL: no servers, every call misses */
	pid_t pid;           /* the process mc's connections belong to */
	bool unsure;         /* an invalidation may have been lost: flush first */
	time_t quiet_until;  /* monotonic seconds: skip the servers until then */
	time_t last_log;     /* monotonic seconds */
	unsigned char mac_key[CACHE_TAG_LEN];
	EVP_MAC_CTX *mac;    /* keyed once, re-initialised per item */
	struct cache_pre pre[CACHE_PREFETCH_MAX];
	size_t npre;
	uint64_t reads;      /* round trips to read, for the metrics */
};

static memcached_st *cache__handle(struct cache *c);

static time_t cache__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Failures that cost a wait (or will again), as opposed to an answer. */
static bool cache__unreachable(memcached_return_t rc)
{
	switch (rc) {
	case MEMCACHED_TIMEOUT:
	case MEMCACHED_CONNECTION_FAILURE:
	case MEMCACHED_HOST_LOOKUP_FAILURE:
	case MEMCACHED_WRITE_FAILURE:
	case MEMCACHED_READ_FAILURE:
	case MEMCACHED_UNKNOWN_READ_FAILURE:
	case MEMCACHED_PARTIAL_READ:
	case MEMCACHED_PROTOCOL_ERROR:
	case MEMCACHED_ERRNO:
	case MEMCACHED_IN_PROGRESS:
	case MEMCACHED_SOME_ERRORS: /* flush: one of the above, on some server */
		return true;
	default:
		return false;
	}
}

/*
 * Note a failed call.  libmemcached backs off from a server it cannot
 * connect to, but not from one that accepts and then does not answer (a
 * stopped or overloaded memcached): every call would wait the full poll
 * timeout again.  So after such a failure this process leaves the cache
 * alone for CACHE_RETRY_SECONDS, then tries again.  Logged at most once
 * per CACHE_LOG_INTERVAL, or a dead cache would add a line per request.
 */
static void cache__trouble(struct cache *c, const char *what, memcached_return_t rc)
{
	time_t now = cache__now();

	if (cache__unreachable(rc))
		c->quiet_until = now + CACHE_RETRY_SECONDS;
	if (c->last_log && now - c->last_log < CACHE_LOG_INTERVAL)
		return;
	c->last_log = now;
	LOG(LOG_WARNING, "cache: %s failed: %s (serving from the database)", what,
	    memcached_strerror(c->mc, rc));
}

/* "host:port", "[v6]:port" or "/path"; whitespace around it ignored. */
static int cache__add_server(memcached_st *mc, const char *item)
{
	char buf[256];
	char *host, *colon, *end;
	unsigned long port;
	size_t n;

	while (*item == ' ' || *item == '\t')
		item++;
	n = strlen(item);
	while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, item, n);
	buf[n] = '\0';

	if (buf[0] == '/')
		return memcached_server_add_unix_socket(mc, buf) == MEMCACHED_SUCCESS ? 0 : -1;

	colon = strrchr(buf, ':');
	if (!colon || colon == buf || colon[1] < '0' || colon[1] > '9')
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	*colon = '\0';
	host = buf;
	if (host[0] == '[') {
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			return -1;
		host[hl - 1] = '\0';
		host++;
	}
	return memcached_server_add(mc, host, (in_port_t)port) == MEMCACHED_SUCCESS ? 0 : -1;
}

static void cache__behave(memcached_st *mc)
{
	/* Consistent hashing, so adding a server moves few keys. */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_KETAMA, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, CACHE_CONNECT_TIMEOUT_MS);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, CACHE_POLL_TIMEOUT_MS);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, CACHE_POLL_TIMEOUT_MS * 1000);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, CACHE_POLL_TIMEOUT_MS * 1000);
	/* A server that refuses connections is put in timeout for RETRY
	 * seconds, during which calls for it fail at once, then tried again
	 * (cache__trouble covers servers that connect but do not answer).
	 * Never ejected: see the top of this file. */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_TIMEOUT_LIMIT, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, CACHE_RETRY_SECONDS);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 0);
}

struct cache *cache_new(const char *servers, const unsigned char *secret, size_t secret_len)
{
	static const char purpose[] = "hearth cache values v1";
	struct cache *c = calloc(1, sizeof(*c));
	char *list = NULL;
	unsigned added = 0;
	unsigned mdlen = 0;

	if (!c)
		return NULL;
	c->pid = proc_self();
	if (!servers || !*servers)
		return c;
	/* Without a key nothing could be verified: no cache at all. */
	if (!secret || secret_len == 0 ||
	    !HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)purpose,
		  sizeof(purpose) - 1, c->mac_key, &mdlen) || mdlen != CACHE_TAG_LEN) {
		LOG(LOG_WARNING, "cache: no key to sign values with; running without a cache");
		return c;
	}

	c->mc = memcached_create(NULL);
	list = strdup(servers);
	if (!c->mc || !list)
		goto fail;
	cache__behave(c->mc);
	for (char *item = list, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (cache__add_server(c->mc, item) == 0)
			added++;
		else
			LOG(LOG_WARNING, "cache: ignoring server '%.64s' (expected host:port)", item);
	}
	free(list);
	if (added == 0) {
		memcached_free(c->mc);
		c->mc = NULL;
	}
	return c;
fail:
	free(list);
	if (c->mc)
		memcached_free(c->mc);
	free(c);
	return NULL;
}

bool cache_settled(struct cache *c)
{
	/* cache__handle does the owed flush when the server answers. */
	if (c && c->unsure && c->mc)
		(void)cache__handle(c);
	return !c || !c->unsure;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	/* A child must not send "quit" down its parent's connections. */
	if (c->mc && c->pid == proc_self()) {
		/* An invalidation this process owes must not die with it. */
		if (!cache_settled(c))
			LOG(LOG_WARNING, "cache: exiting with an invalidation that may not have "
			    "reached memcached; entries may be stale for up to cache.ttl");
		memcached_free(c->mc);
	}
	cache_prefetch_drop(c);
	explicit_bzero(c->mac_key, sizeof(c->mac_key));
	EVP_MAC_CTX_free(c->mac);
	free(c);
}

/*
 * The handle to use now, or NULL to treat the call as a miss.  Takes care
 * of a fork (fresh connections for this process) and of a pending flush.
 */
static memcached_st *cache__handle(struct cache *c)
{
	memcached_return_t rc;

	if (!c || !c->mc || (c->quiet_until && cache__now() < c->quiet_until))
		return NULL;
	if (c->pid != proc_self()) {
		/* The inherited handle's sockets are shared with the parent;
		 * using them would mix up replies between processes.  Leave
		 * it (and its descriptors) untouched and start afresh. */
		memcached_st *fresh = memcached_clone(NULL, c->mc);

		if (!fresh)
			return NULL;
		c->mc = fresh;
		c->pid = proc_self();
		c->quiet_until = 0;
	}
	if (c->unsure) {
		rc = memcached_flush(c->mc, 0);
		if (rc != MEMCACHED_SUCCESS) {
			cache__trouble(c, "flush", rc);
			return NULL;
		}
		c->unsure = false;
		LOG(LOG_NOTICE, "cache: flushed, since an invalidation may not have reached it");
	}
	return c->mc;
}

/* "hearth:" + key into buf; -1 for a key memcached (or we) would refuse. */
static int cache__key(const char *key, char buf[CACHE_KEYBUF], size_t *len)
{
	size_t n;

	if (!key)
		return -1;
	n = strnlen(key, CACHE_KEY_MAX + 1);
	if (n == 0 || n > CACHE_KEY_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] > '~')
			return -1;
	memcpy(buf, CACHE_NS, sizeof(CACHE_NS) - 1);
	memcpy(buf + sizeof(CACHE_NS) - 1, key, n + 1);
	*len = sizeof(CACHE_NS) - 1 + n;
	return 0;
}

static time_t cache__ttl(time_t ttl)
{
	return ttl > CACHE_TTL_MAX ? CACHE_TTL_MAX : ttl;
}

/* --------------------------------------------------------- local versions */

/*
 * Counters in a small file mapped by the processes of this box that change
 * what the API's workers keep (the workers themselves, hearthctl), next to
 * memcached's: cache_bump moves the namespace's one here too, after
 * memcached's, so a worker that reads a local counter unchanged knows that
 * no bump reached memcached since, and may answer from what it kept in its
 * own memory without asking memcached at all.  A namespace is hashed to
 * one of the slots: two sharing one only cost each other's keepers a miss.
 */
#define CACHE_LOCAL_SLOTS 64
#define CACHE_LOCAL_BYTES (CACHE_LOCAL_SLOTS * sizeof(uint64_t))

static uint64_t *cache_local;

int cache_local_init(const char *path, bool create)
{
	struct stat sb;
	void *p;
	int fd;

	if (cache_local)
		return 0;
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || (sb.st_size < (off_t)CACHE_LOCAL_BYTES &&
				     (!create || ftruncate(fd, CACHE_LOCAL_BYTES) != 0))) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, CACHE_LOCAL_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	cache_local = p;
	/* Never 0: 0 means "no local counters" to the callers. */
	for (size_t i = 0; i < CACHE_LOCAL_SLOTS; i++) {
		uint64_t zero = 0;

		__atomic_compare_exchange_n(&cache_local[i], &zero, 1, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	return 0;
}

static uint64_t *cache__local_slot(const char *ns)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	if (!cache_local || !ns)
		return NULL;
	for (; *ns; ns++)
		h = (h ^ (unsigned char)*ns) * 16777619u;
	return &cache_local[h % CACHE_LOCAL_SLOTS];
}

uint64_t cache_local_version(const char *ns)
{
	uint64_t *slot = cache__local_slot(ns);

	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
}

static void cache__local_bump(const char *ns)
{
	uint64_t *slot = cache__local_slot(ns);

	if (slot)
		__atomic_add_fetch(slot, 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------- prefetch */

static struct cache_pre *cache__pre_find(struct cache *c, const char *k, size_t klen)
{
	for (size_t i = 0; c && i < c->npre; i++)
		if (c->pre[i].klen == klen && memcmp(c->pre[i].k, k, klen) == 0)
			return &c->pre[i];
	return NULL;
}

/* A key this process writes is read afresh from then on. */
static void cache__pre_forget(struct cache *c, const char *k, size_t klen)
{
	struct cache_pre *p = cache__pre_find(c, k, klen);

	if (!p)
		return;
	free(p->v);
	*p = c->pre[--c->npre];
}

void cache_prefetch_drop(struct cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npre; i++)
		free(c->pre[i].v);
	c->npre = 0;
}

int cache_prefetch(struct cache *c, const char *const *keys, size_t n)
{
	memcached_st *mc = cache__handle(c);
	const char *ks[CACHE_PREFETCH_MAX];
	size_t lens[CACHE_PREFETCH_MAX], first;
	memcached_result_st *res;
	memcached_return_t rc;

	if (!mc)
		return -1;
	first = c->npre;
	for (size_t i = 0; i < n && c->npre < CACHE_PREFETCH_MAX; i++) {
		struct cache_pre *p = &c->pre[c->npre];

		if (cache__key(keys[i], p->k, &p->klen) != 0 || cache__pre_find(c, p->k, p->klen))
			continue;
		p->v = NULL;
		p->vlen = 0;
		p->flags = 0;
		ks[c->npre - first] = p->k;
		lens[c->npre - first] = p->klen;
		c->npre++;
	}
	if (c->npre == first)
		return 0;
	c->reads++;
	rc = memcached_mget(mc, ks, lens, c->npre - first);
	while (rc == MEMCACHED_SUCCESS && (res = memcached_fetch_result(mc, NULL, &rc))) {
		struct cache_pre *p = cache__pre_find(c, memcached_result_key_value(res),
						      memcached_result_key_length(res));
		size_t vlen = memcached_result_length(res);

		if (p && !p->v && (p->v = malloc(vlen + 1))) {
			memcpy(p->v, memcached_result_value(res), vlen);
			p->v[vlen] = '\0';
			p->vlen = vlen;
			p->flags = memcached_result_flags(res);
		}
		memcached_result_free(res);
	}
	if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
		/* What did arrive may be incomplete: read it all afresh. */
		cache__trouble(c, "get", rc);
		while (c->npre > first)
			free(c->pre[--c->npre].v);
		return -1;
	}
	return 0;
}

/* A fetch answered from the prefetched replies when the key is among
 * them: 1 with a copy in *v (NULL and MEMCACHED_NOTFOUND for a miss), 0
 * when it is not, and the server must be asked. */
static int cache__pre_fetch(struct cache *c, const char *k, size_t klen, char **v, size_t *len,
			    uint32_t *flags, memcached_return_t *rcp)
{
	struct cache_pre *p = cache__pre_find(c, k, klen);

	if (!p)
		return 0;
	*v = NULL;
	*flags = p->flags;
	*rcp = MEMCACHED_NOTFOUND;
	if (!p->v)
		return 1;
	if (!(*v = malloc(p->vlen + 1))) {
		*rcp = MEMCACHED_MEMORY_ALLOCATION_FAILURE;
		return 1;
	}
	memcpy(*v, p->v, p->vlen + 1);
	if (len)
		*len = p->vlen;
	*rcp = MEMCACHED_SUCCESS;
	return 1;
}

/* ------------------------------------------------------------- reads */

/* A fetched item: a new malloc'd, NUL-terminated copy, or NULL with *rcp
 * telling a miss (MEMCACHED_NOTFOUND) from a failure. */
static char *cache__fetch(struct cache *c, memcached_st *mc, const char *k, size_t klen,
			  size_t *len, uint32_t *flags, memcached_return_t *rcp)
{
	memcached_return_t rc = MEMCACHED_SUCCESS;
	size_t vlen = 0;
	char *v, *copy;

	if (cache__pre_fetch(c, k, klen, &copy, len, flags, rcp))
		return copy;
	c->reads++;
	v = memcached_get(mc, k, klen, &vlen, flags, &rc);
	*rcp = rc;
	if (rc != MEMCACHED_SUCCESS) {
		if (rc != MEMCACHED_NOTFOUND)
			cache__trouble(c, "get", rc);
		free(v);
		return NULL;
	}
	copy = malloc(vlen + 1);
	if (!copy)
		*rcp = MEMCACHED_MEMORY_ALLOCATION_FAILURE;
	else {
		if (vlen)
			memcpy(copy, v, vlen);
		copy[vlen] = '\0';
		if (len)
			*len = vlen;
	}
	free(v);
	return copy;
}

/* tag = HMAC-SHA256(mac_key, item key | 0 | signed), where signed is the
 * expiry and the value. */
static bool cache__tag(struct cache *c, const char *k, size_t klen, const void *sgn,
		       size_t slen, unsigned char tag[CACHE_TAG_LEN])
{
	size_t out = 0;

	/* Keyed once per process; afterwards EVP_MAC_init with a NULL key
	 * starts a new message under the same key, without reallocating. */
	if (!c->mac) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
			OSSL_PARAM_construct_end(),
		};
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

		c->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		if (!c->mac || !EVP_MAC_init(c->mac, c->mac_key, sizeof(c->mac_key), params)) {
			EVP_MAC_CTX_free(c->mac);
			c->mac = NULL;
			return false;
		}
	} else if (!EVP_MAC_init(c->mac, NULL, 0, NULL)) {
		return false;
	}
	return EVP_MAC_update(c->mac, (const unsigned char *)k, klen) &&
	       EVP_MAC_update(c->mac, (const unsigned char *)"", 1) &&
	       EVP_MAC_update(c->mac, sgn, slen) &&
	       EVP_MAC_final(c->mac, tag, &out, CACHE_TAG_LEN) && out == CACHE_TAG_LEN;
}

/*
 * The value inside a signed item, moved to the front of item (which stays
 * NUL-terminated), or -1 when the tag does not verify (logged, rate-limited:
 * someone else writes to this memcached) or the signed expiry has passed.
 */
static int cache__open(struct cache *c, const char *k, size_t klen, char *item, size_t *ilen)
{
	unsigned char tag[CACHE_TAG_LEN];
	uint64_t expires = 0;
	size_t vlen;

	if (*ilen < CACHE_HEAD_LEN)
		goto bad;
	if (!cache__tag(c, k, klen, item + CACHE_TAG_LEN, *ilen - CACHE_TAG_LEN, tag) ||
	    CRYPTO_memcmp(tag, item, CACHE_TAG_LEN) != 0)
		goto bad;
	for (int i = 0; i < 8; i++)
		expires = expires << 8 | (unsigned char)item[CACHE_TAG_LEN + i];
	if ((uint64_t)time(NULL) > expires)
		return -1;
	vlen = *ilen - CACHE_HEAD_LEN;
	memmove(item, item + CACHE_HEAD_LEN, vlen);
	item[vlen] = '\0';
	*ilen = vlen;
	return 0;
bad:
	if (!c->last_log || cache__now() - c->last_log >= CACHE_LOG_INTERVAL) {
		c->last_log = cache__now();
		LOG(LOG_WARNING, "cache: an item failed its signature check and was ignored "
		    "(someone else writes to this memcached?)");
	}
	return -1;
}

char *cache_get(struct cache *c, const char *key, size_t *len)
{
	memcached_st *mc = cache__handle(c);
	memcached_return_t rc;
	char k[CACHE_KEYBUF];
	uint32_t flags = 0;
	size_t klen, vlen = 0;
	char *v;

	if (!mc || cache__key(key, k, &klen) != 0)
		return NULL;
	v = cache__fetch(c, mc, k, klen, &vlen, &flags, &rc);
	if (v && (flags != CACHE_FLAG_VALUE || cache__open(c, k, klen, v, &vlen) != 0)) {
		free(v);
		return NULL;
	}
	if (v && len)
		*len = vlen;
	return v;
}

static void cache__store(struct cache *c, bool only_if_absent, const char *key, const void *val,
			 size_t len, time_t ttl)
{
	memcached_st *mc = cache__handle(c);
	memcached_return_t rc;
	char k[CACHE_KEYBUF];
	uint64_t expires;
	size_t klen;
	char *item;

	/* ttl 0 would mean "forever" to memcached: never what a cache of
	 * database rows wants. */
	if (!mc || ttl <= 0 || (!val && len) || cache__key(key, k, &klen) != 0)
		return;
	cache__pre_forget(c, k, klen);
	if (!(item = malloc(CACHE_HEAD_LEN + len + 1)))
		return;
	expires = (uint64_t)time(NULL) + (uint64_t)cache__ttl(ttl);
	for (int i = 0; i < 8; i++)
		item[CACHE_TAG_LEN + i] = (char)(expires >> (56 - 8 * i));
	if (len)
		memcpy(item + CACHE_HEAD_LEN, val, len);
	if (!cache__tag(c, k, klen, item + CACHE_TAG_LEN, 8 + len, (unsigned char *)item)) {
		free(item);
		return;
	}
	if (only_if_absent)
		rc = memcached_add(mc, k, klen, item, CACHE_HEAD_LEN + len, cache__ttl(ttl),
				   CACHE_FLAG_VALUE);
	else
		rc = memcached_set(mc, k, klen, item, CACHE_HEAD_LEN + len, cache__ttl(ttl),
				   CACHE_FLAG_VALUE);
	free(item);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTSTORED)
		cache__trouble(c, "store", rc);
}

void cache_set(struct cache *c, const char *key, const void *val, size_t len, time_t ttl)
{
	cache__store(c, false, key, val, len, ttl);
}

void cache_add(struct cache *c, const char *key, const void *val, size_t len, time_t ttl)
{
	cache__store(c, true, key, val, len, ttl);
}

/* The last resort of an invalidation: remove the key outright, or else
 * remember that the cache may now hold something it should not. */
static void cache__remove_or_distrust(struct cache *c, memcached_st *mc, const char *k,
				      size_t klen, memcached_return_t why)
{
	memcached_return_t rc = why;

	cache__trouble(c, "invalidate", why);
	/* Not worth a second timeout when the server did not answer. */
	if (!cache__unreachable(why))
		rc = memcached_delete(mc, k, klen, 0);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND)
		c->unsure = true;
}

void cache_delete(struct cache *c, const char *key)
{
	memcached_st *mc = cache__handle(c);
	memcached_return_t rc;
	char k[CACHE_KEYBUF];
	size_t klen;

	if (!c || !c->mc || cache__key(key, k, &klen) != 0)
		return;
	cache__pre_forget(c, k, klen);
	if (!mc) {
		/* Unreachable, or not flushed yet: still owed a flush. */
		c->unsure = true;
		return;
	}
	rc = memcached_set(mc, k, klen, "-", 1, CACHE_TOMBSTONE_SECONDS, CACHE_FLAG_TOMBSTONE);
	if (rc != MEMCACHED_SUCCESS)
		cache__remove_or_distrust(c, mc, k, klen, rc);
}

/* A starting value no earlier counter for ns is likely to have reached:
 * random in [2^32, 2^62), so increments can never wrap to 0. */
static uint64_t cache__seed(void)
{
	uint64_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		v = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
		v ^= (uint64_t)getpid() << 40;
	}
	v &= (UINT64_C(1) << 62) - 1;
	return v | (UINT64_C(1) << 32);
}

static int cache__parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int cache__version_key(const char *ns, char k[CACHE_KEYBUF], size_t *klen)
{
	char key[CACHE_KEY_MAX + 1];
	int n;

	if (!ns)
		return -1;
	n = snprintf(key, sizeof(key), "ver:%s", ns);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	return cache__key(key, k, klen);
}

uint64_t cache_version(struct cache *c, const char *ns)
{
	memcached_st *mc = cache__handle(c);
	char k[CACHE_KEYBUF], seedtext[24];
	uint64_t version = 0, seed;
	memcached_return_t rc;
	uint32_t flags = 0;
	size_t klen;
	char *v;

	if (!mc || cache__version_key(ns, k, &klen) != 0)
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		v = cache__fetch(c, mc, k, klen, NULL, &flags, &rc);
		if (v) {
			if (flags != CACHE_FLAG_VALUE || cache__parse_u64(v, &version) != 0)
				version = 0;
			free(v);
			return version;
		}
		if (rc != MEMCACHED_NOTFOUND || attempt > 0)
			break;
		/* Missing: start a counter; if another process won the race,
		 * read theirs. */
		cache__pre_forget(c, k, klen);
		seed = cache__seed();
		snprintf(seedtext, sizeof(seedtext), "%" PRIu64, seed);
		rc = memcached_add(mc, k, klen, seedtext, strlen(seedtext), 0, CACHE_FLAG_VALUE);
		if (rc == MEMCACHED_SUCCESS)
			return seed;
		if (rc != MEMCACHED_NOTSTORED && rc != MEMCACHED_DATA_EXISTS) {
			cache__trouble(c, "version", rc);
			break;
		}
	}
	return 0;
}

static void cache__bump_remote(struct cache *c, const char *ns)
{
	memcached_st *mc = cache__handle(c);
	char k[CACHE_KEYBUF], seedtext[24];
	memcached_return_t rc;
	uint64_t v;
	size_t klen;

	if (!c || !c->mc || cache__version_key(ns, k, &klen) != 0)
		return;
	cache__pre_forget(c, k, klen);
	if (!mc) {
		c->unsure = true;
		return;
	}
	rc = memcached_increment(mc, k, klen, 1, &v);
	if (rc == MEMCACHED_NOTFOUND) {
		/* No counter: any fresh one is a version nobody has used. */
		snprintf(seedtext, sizeof(seedtext), "%" PRIu64, cache__seed());
		rc = memcached_add(mc, k, klen, seedtext, strlen(seedtext), 0, CACHE_FLAG_VALUE);
		if (rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS)
			rc = memcached_increment(mc, k, klen, 1, &v);
	}
	/* Without a counter the next reader starts a fresh one, which is as
	 * good as a bump. */
	if (rc != MEMCACHED_SUCCESS)
		cache__remove_or_distrust(c, mc, k, klen, rc);
}

void cache_bump(struct cache *c, const char *ns)
{
	/* memcached's first: who reads the local counter moved finds
	 * memcached's moved too, never an old page under a new count. */
	cache__bump_remote(c, ns);
	cache__local_bump(ns);
}

/* A versioned value is "<version>\n<value>". */
static char *cache__unwrap(const char *v, size_t vlen, uint64_t version, size_t *len)
{
	const char *nl = memchr(v, '\n', vlen);
	char vtext[24];
	uint64_t stored;
	size_t n;
	char *out;

	if (!nl || (size_t)(nl - v) >= sizeof(vtext))
		return NULL;
	memcpy(vtext, v, (size_t)(nl - v));
	vtext[nl - v] = '\0';
	if (cache__parse_u64(vtext, &stored) != 0 || stored != version)
		return NULL;
	n = vlen - (size_t)(nl + 1 - v);
	if (!(out = malloc(n + 1)))
		return NULL;
	memcpy(out, nl + 1, n);
	out[n] = '\0';
	if (len)
		*len = n;
	return out;
}

/* cache_get_versioned when both the counter and the page were prefetched. */
static char *cache__versioned_prefetched(struct cache *c, const char *ns, const char *vk,
					 size_t vklen, const char *pk, size_t pklen,
					 uint64_t *version, size_t *len)
{
	memcached_return_t rc;
	uint32_t flags = 0;
	size_t plen = 0;
	char *v, *page, *out = NULL;

	(void)cache__pre_fetch(c, vk, vklen, &v, NULL, &flags, &rc);
	if (!v || flags != CACHE_FLAG_VALUE || cache__parse_u64(v, version) != 0) {
		free(v);
		/* No counter yet (or a garbled one): as in cache_get_versioned. */
		*version = cache_version(c, ns);
		return NULL;
	}
	free(v);
	(void)cache__pre_fetch(c, pk, pklen, &page, &plen, &flags, &rc);
	if (page && flags == CACHE_FLAG_VALUE && cache__open(c, pk, pklen, page, &plen) == 0)
		out = cache__unwrap(page, plen, *version, len);
	free(page);
	return out;
}

char *cache_get_versioned(struct cache *c, const char *ns, const char *key,
			  uint64_t *version, size_t *len)
{
	memcached_st *mc = cache__handle(c);
	char vk[CACHE_KEYBUF], pk[CACHE_KEYBUF], vtext[24];
	const char *keys[2];
	size_t lens[2];
	memcached_result_st *res;
	memcached_return_t rc;
	bool have_version = false;
	char *page = NULL, *out = NULL;
	size_t plen = 0;

	*version = 0;
	if (!mc || cache__version_key(ns, vk, &lens[0]) != 0 || cache__key(key, pk, &lens[1]) != 0)
		return NULL;
	if (cache__pre_find(c, vk, lens[0]) && cache__pre_find(c, pk, lens[1]))
		return cache__versioned_prefetched(c, ns, vk, lens[0], pk, lens[1], version, len);
	keys[0] = vk;
	keys[1] = pk;
	c->reads++;
	rc = memcached_mget(mc, keys, lens, 2);
	if (rc != MEMCACHED_SUCCESS) {
		cache__trouble(c, "get", rc);
		return NULL;
	}
	while ((res = memcached_fetch_result(mc, NULL, &rc))) {
		const char *k = memcached_result_key_value(res), *v = memcached_result_value(res);
		size_t klen = memcached_result_key_length(res), vlen = memcached_result_length(res);

		if (memcached_result_flags(res) != CACHE_FLAG_VALUE) {
			/* a tombstone: as good as missing */
		} else if (klen == lens[0] && memcmp(k, vk, klen) == 0) {
			if (vlen < sizeof(vtext)) {
				memcpy(vtext, v, vlen);
				vtext[vlen] = '\0';
				have_version = cache__parse_u64(vtext, version) == 0;
			}
		} else if (klen == lens[1] && memcmp(k, pk, klen) == 0 && !page) {
			if ((page = malloc(vlen + 1))) {
				memcpy(page, v, vlen);
				page[vlen] = '\0';
				plen = vlen;
			}
		}
		memcached_result_free(res);
	}
	if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
		cache__trouble(c, "get", rc);
		*version = 0;
		goto out;
	}
	if (!have_version) {
		/* No counter yet (or a garbled one): start one; nothing stored
		 * under a version before it can be trusted. */
		*version = cache_version(c, ns);
		goto out;
	}
	if (page && cache__open(c, pk, lens[1], page, &plen) == 0)
		out = cache__unwrap(page, plen, *version, len);
out:
	free(page);
	return out;
}

void cache_set_versioned(struct cache *c, const char *key, uint64_t version,
			 const void *val, size_t len, time_t ttl)
{
	char head[24];
	int n;
	char *buf;

	if (version == 0 || (!val && len))
		return;
	n = snprintf(head, sizeof(head), "%" PRIu64 "\n", version);
	if (n < 0 || (size_t)n >= sizeof(head) || !(buf = malloc((size_t)n + len)))
		return;
	memcpy(buf, head, (size_t)n);
	if (len)
		memcpy(buf + n, val, len);
	cache_set(c, key, buf, (size_t)n + len, ttl);
	free(buf);
}

uint64_t cache_reads(const struct cache *c)
{
	return c ? c->reads : 0;
}

int cache_alive(struct cache *c)
{
	memcached_st *mc = cache__handle(c);
	uint32_t nservers;

	if (!mc)
		return 0;
	nservers = memcached_server_count(mc);
	/* Probe keys spread over the ring until one server answers.  A server
	 * libmemcached has put in timeout fails at once; one that does not
	 * answer ends the probe, as it ends every other call for a while. */
	for (uint32_t i = 0; i < 4 * nservers && i < 64; i++) {
		memcached_return_t rc = MEMCACHED_SUCCESS;
		char k[32];
		size_t vlen;
		uint32_t flags;
		char *v;

		snprintf(k, sizeof(k), CACHE_NS "alive:%" PRIu32, i);
		v = memcached_get(mc, k, strlen(k), &vlen, &flags, &rc);
		free(v);
		if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND)
			return 1;
		cache__trouble(c, "probe", rc);
		if (cache__unreachable(rc))
			break;
	}
	return 0;
}
