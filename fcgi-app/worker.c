/*
 * A worker: accept FastCGI requests and answer them until told to stop or
 * until it has served its quota, then return so the master forks a fresh
 * one.  This is the only file of hearth-api that speaks FastCGI.
 *
 * Signals: SIGTERM (and SIGINT, which a terminal sends to the whole process
 * group) are blocked except while the worker waits for a connection, and
 * that wait unblocks them atomically (epoll_pwait/ppoll).  So a request in
 * hand is always finished, and a stop that arrives between two requests is
 * never lost in the gap before a blocking accept().  The listening socket
 * is non-blocking (the master sets it), so accept() never waits either:
 * when another worker won the connection it fails with EAGAIN and the loop
 * goes back to waiting.
 *
 * Per request everything is allocated and freed in worker__serve(); what
 * lives longer (the database connection, the cache handle) is per worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "api.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "db_config.h"
#include "engine/engine.h"
#include "log.h"
#include "metrics.h"
#include "net/http.h"
#include "net/publish.h"
#include "net/queue.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "settings.h"
#include "worker.h"

/* At most this many queued connections are answered after a stop. */
#define WORKER_DRAIN_MAX 256

static volatile sig_atomic_t worker_stop;

static void worker__on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
	FCGX_ShutdownPending();
}

/*
 * Install the worker's signal dispositions, replacing the master's, and
 * leave SIGTERM/SIGINT blocked.  waitmask gets the mask to wait with.
 */
static int worker__signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t blocked;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = worker__on_term;   /* no SA_RESTART: the wait must end */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	/* A client gone mid-reply is an error from write, not a death; a
	 * reload is the master's business.  FCGX_Init gave SIGUSR1 a handler
	 * that makes every later accept fail: a stray one must not. */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	if (sigprocmask(SIG_SETMASK, &blocked, NULL) < 0)
		return -1;
	sigemptyset(waitmask);
	return 0;
}

/*
 * A stop that is pending but not delivered.  The kernel hands a pending
 * signal over in epoll_pwait/ppoll only when nothing is ready; under load
 * something always is, and a draining worker would serve on forever.
 */
static bool worker__stop_pending(void)
{
	sigset_t pending;

	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1))
		worker_stop = 1;
	return worker_stop;
}

/*
 * Wait until there is something to accept or, on a connection nginx keeps
 * open (fastcgi_keep_conn), the next request on it.  A worker holding such
 * a connection serves only that one, so nginx's keepalive pool must stay
 * below the number of workers; the shipped configuration keeps none.
 * 1 = go on, 0 = interrupted, -1 = error.
 */
static int worker__wait(int epfd, const FCGX_Request *rq, const sigset_t *waitmask)
{
	int n;

	if (rq->ipcFd >= 0) {
		struct pollfd pfd = { .fd = rq->ipcFd, .events = POLLIN };

		n = ppoll(&pfd, 1, NULL, waitmask);
	} else {
		struct epoll_event ev;

		n = epoll_pwait(epfd, &ev, 1, -1, waitmask);
	}
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	return n > 0;
}

/* Parse CONTENT_LENGTH in full; -1 when it is not a plain number. */
static int worker__content_length(const char *s, uint64_t *out)
{
	char *end;

	*out = 0;
	if (!s || !*s)
		return 0;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Read exactly len bytes of the request body.  0, or -1 when it ended early. */
static int worker__read_body(FCGX_Request *rq, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		size_t chunk = len - got > (1u << 30) ? (1u << 30) : len - got;
		int n = FCGX_GetStr(buf + got, (int)chunk, rq->in);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	buf[len] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- streamed bodies */

/* Beyond this much left unread, an answered upload is cut off rather
 * than drained: nginx then ends the client's request itself. */
#define WORKER_UPLOAD_DRAIN_MAX (64ull << 20)

/* An upload body the handler reads itself (request.h body_read). */
struct worker_stream {
	FCGX_Request *rq;
	uint64_t left;
	bool broken;     /* ended before Content-Length */
};

static ssize_t worker__stream_read(void *stream, char *buf, size_t len)
{
	struct worker_stream *s = stream;
	int n;

	if (s->broken)
		return -1;
	if (s->left == 0 || len == 0)
		return 0;
	if (len > s->left)
		len = (size_t)s->left;
	if (len > (1u << 30))
		len = 1u << 30;
	n = FCGX_GetStr(buf, (int)len, s->rq->in);
	if (n <= 0) {
		s->broken = true;
		return -1;
	}
	s->left -= (uint64_t)n;
	return n;
}

/*
 * Whether the body of this request is left to the handler: a
 * multipart/form-data body for a route that takes one streamed.  Any
 * other multipart body is read (or refused as too large) as usual, and
 * the dispatcher answers 415 for it.
 */
static bool worker__streams_body(const struct request *req)
{
	static const char mp[] = "multipart/form-data";
	const char *ct = req->content_type;
	struct route_match m;
	char allow[128];

	if (!ct)
		return false;
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, mp, sizeof(mp) - 1) != 0)
		return false;
	return router_match(req->method, req->path, &m, allow, sizeof(allow)) == ROUTE_FOUND &&
	       (m.route->flags & ROUTE_STREAM_BODY);
}

/* What the handler left of a streamed body: read and dropped while it is
 * small, so nginx sees the request through; else left for the close. */
static void worker__stream_finish(struct worker_stream *s)
{
	char buf[16384];

	if (s->broken || s->left == 0 || s->left > WORKER_UPLOAD_DRAIN_MAX)
		return;
	while (s->left > 0 && worker__stream_read(s, buf, sizeof(buf)) > 0)
		;
}

static void worker__send(FCGX_Request *rq, const struct response *r, bool head_only)
{
	static const char fallback[] =
		"Status: 500 Internal Server Error\r\n"
		"Content-Type: application/json; charset=utf-8\r\n"
		"Cache-Control: no-store\r\n\r\n"
		"{\"detail\":\"internal error\"}";
	size_t len = 0;
	char *out = response_render(r, &len);
	const char *p = out ? out : fallback;

	if (!out)
		len = sizeof(fallback) - 1;
	if (head_only) {
		const char *end = strstr(p, "\r\n\r\n");

		if (end)
			len = (size_t)(end - p) + 4;
	}
	/* A failed write means nginx (or its client) is gone: nothing more
	 * to say to it. */
	while (len > 0) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len;

		if (FCGX_PutStr(p, chunk, rq->out) != chunk)
			break;
		p += chunk;
		len -= (size_t)chunk;
	}
	free(out);
}

/*
 * How many FastCGI params are called name.  nginx passes a request header
 * given twice as two params of one name (FCGX_GetParam sees the first);
 * versions from 1.23 on join them into one, "a, b".
 */
static size_t worker__param_count(FCGX_ParamArray env, const char *name)
{
	size_t len = strlen(name), n = 0;

	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			n++;
	return n;
}

/* Whether the request gives a credential of one kind more than once
 * (request.h credential_repeated).  A key never holds a comma, so one in
 * X-API-Key is two headers joined. */
static bool worker__credential_repeated(FCGX_ParamArray env, const struct request *req)
{
	return worker__param_count(env, "HTTP_X_API_KEY") > 1 ||
	       (req->api_key && strchr(req->api_key, ',')) ||
	       worker__param_count(env, "HTTP_AUTHORIZATION") > 1 ||
	       query_count(req->query, "api_key") > 1;
}

/*
 * Memory a worker holds between requests.  A request that needed much (a
 * large body, a long page, a big result set) leaves the heap at its
 * high-water mark: freed, but kept by malloc.  Every WORKER_TRIM_EVERY
 * requests, when more than WORKER_TRIM_BYTES lie free in the heap, they
 * are given back, so a worker's size follows what it holds now, not the
 * largest request it ever served.
 */
#define WORKER_TRIM_EVERY 64
#define WORKER_TRIM_BYTES (1024 * 1024)

static void worker__trim(unsigned long served)
{
	if (served % WORKER_TRIM_EVERY == 0 && mallinfo2().fordblks > WORKER_TRIM_BYTES)
		(void)malloc_trim(0);
}

/*
 * What the last request queued, now that its response is gone: the client
 * waits for neither a pipeline nor a delivery.  Real-time messages first
 * (they are what the dashboard sees at once), then runs, then deliveries.
 * Runs and jobs are committed already; an error here leaves them to the
 * scheduler (a lease, steps_started = 0, a due job).
 */
static void worker__after(struct app *app)
{
	size_t i;
	json_t *m;

	json_array_foreach(app->pubs, i, m)
		publish_message(app->cfg, json_string_value(json_object_get(m, "channel")),
				json_string_value(json_object_get(m, "type")),
				json_object_get(m, "data"));
	for (i = 0; i < app->after_n; i++) {
		int64_t id = app->after_ids[i];
		bool claimed = false;
		enum herr e;

		if (app->after_kind[i] == AFTER_JOB)
			continue;
		if (app->after_kind[i] == AFTER_RESUME)
			e = engine_resume(app->engine, id, &claimed);
		else
			e = engine_run(app->engine, id);
		if (e != HERR_OK)
			LOG(LOG_ERR, "run %" PRId64 ": %s; the scheduler will pick it up", id,
			    herr_str(e));
	}
	/* Jobs until one fails: a receiver that is down would otherwise hold
	 * this worker for a timeout per job.  The scheduler has the rest. */
	for (i = 0; i < app->after_n; i++) {
		int64_t id = app->after_ids[i];
		bool delivered = false;
		enum herr e;

		if (app->after_kind[i] != AFTER_JOB || !app->queue)
			continue;
		e = queue_run_one(app->queue, id, &delivered);
		if (e == HERR_NOT_FOUND)
			continue;
		if (e != HERR_OK)
			LOG(LOG_ERR, "job %" PRId64 ": %s; the scheduler will retry it", id,
			    herr_str(e));
		if (!delivered)
			break;
	}
	app_after_clear(app);
}

/* Build the request from the FastCGI parameters, run it, answer it. */
static void worker__serve(struct app *app, FCGX_Request *rq)
{
	FCGX_ParamArray env = rq->envp;
	const char *uri = FCGX_GetParam("REQUEST_URI", env);
	const char *query_string = FCGX_GetParam("QUERY_STRING", env);
	struct request req;
	struct response r;
	struct worker_stream stream = { .rq = rq, .left = 0, .broken = false };
	uint64_t clen = 0;
	char *path = NULL;
	char *body = NULL;

	memset(&req, 0, sizeof(req));
	response_init(&r);

	if (!uri)
		uri = FCGX_GetParam("DOCUMENT_URI", env);
	if (!uri)
		uri = "";
	path = malloc(strlen(uri) + 1);
	if (!path) {
		response_error(&r, HERR_NOMEM, NULL);
		goto send;
	}
	request_split_uri(uri, path, strlen(uri) + 1, &req.query);
	/* nginx puts the arguments in REQUEST_URI; QUERY_STRING is for
	 * front ends (or rewrites) that keep them apart. */
	if (!*req.query && query_string)
		req.query = query_string;

	req.method = FCGX_GetParam("REQUEST_METHOD", env);
	if (!req.method)
		req.method = "";
	req.path = path;
	req.content_type = FCGX_GetParam("CONTENT_TYPE", env);
	req.api_key = FCGX_GetParam("HTTP_X_API_KEY", env);
	req.webhook_secret = FCGX_GetParam("HTTP_X_WEBHOOK_SECRET", env);
	req.authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
	req.cookie = FCGX_GetParam("HTTP_COOKIE", env);
	req.origin = FCGX_GetParam("HTTP_ORIGIN", env);
	req.referer = FCGX_GetParam("HTTP_REFERER", env);
	req.host = FCGX_GetParam("HTTP_HOST", env);
	req.server_port = FCGX_GetParam("SERVER_PORT", env);
	req.csrf = FCGX_GetParam("HTTP_X_HEARTH_REQUEST", env);
	req.user_agent = FCGX_GetParam("HTTP_USER_AGENT", env);
	req.remote_addr = FCGX_GetParam("REMOTE_ADDR", env);
	req.request_id = FCGX_GetParam("HTTP_X_REQUEST_ID", env);
	req.accept = FCGX_GetParam("HTTP_ACCEPT", env);
	req.if_none_match = FCGX_GetParam("HTTP_IF_NONE_MATCH", env);
	req.mcp_session = FCGX_GetParam("HTTP_MCP_SESSION_ID", env);
	req.mcp_protocol = FCGX_GetParam("HTTP_MCP_PROTOCOL_VERSION", env);
	req.credential_repeated = worker__credential_repeated(env, &req);

	if (worker__content_length(FCGX_GetParam("CONTENT_LENGTH", env), &clen) < 0) {
		response_detail(&r, 400, "invalid Content-Length");
		goto send;
	}
	if (clen > 0 && worker__streams_body(&req)) {
		/* The handler reads it, after authentication, at its own limit. */
		stream.left = clen;
		req.body_read = worker__stream_read;
		req.body_stream = &stream;
		req.body_stream_len = clen;
	} else if (clen > app->cfg->api_max_body_bytes) {
		/* Not read: the reply is the same whatever the bytes are. */
		req.body_too_large = true;
	} else if (clen > 0) {
		body = malloc((size_t)clen + 1);
		if (!body) {
			response_error(&r, HERR_NOMEM, NULL);
			goto send;
		}
		if (worker__read_body(rq, body, (size_t)clen) < 0) {
			LOG(LOG_NOTICE, "%s %s: request body ended before %" PRIu64 " bytes",
			    req.method, req.path, clen);
			response_detail(&r, 400, "incomplete request body");
			goto send;
		}
		req.body = body;
		req.body_len = (size_t)clen;
	}

	api_handle(app, &req, &r);
	worker__stream_finish(&stream);
send:
	worker__send(rq, &r, strcmp(req.method ? req.method : "", "HEAD") == 0);
	response_clear(&r);
	free(body);
	free(path);
}

int worker_run(int listen_fd, const struct hearth_config *cfg, const struct roles *roles)
{
	const struct db_options dbo = db_options_from_config(cfg);
	/* Static: a struct hearth_config is large for a stack.  Everything
	 * below borrows live.cfg, rebuilt in place when the settings change. */
	static struct settings_live live;
	struct app app = { .cfg = &live.cfg, .settings = &live, .roles = roles,
			   .started = time(NULL) };
	struct engine engine;
	struct queue_runner queue;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	FCGX_Request rq;
	bool rq_ready = false;
	sigset_t waitmask;
	unsigned long served = 0;
	int epfd = -1;
	int rv = EX_OSERR;

	settings_live_init(&live, cfg);
	if (worker__signals(&waitmask) < 0) {
		LOG(LOG_ERR, "worker: signals: %s", strerror(errno));
		goto out;
	}
	if (metrics_enabled())
		db_error_hook = metrics_db_error;
	app.db = db_new(&dbo);
	app.cache = cache_new(cfg->cache_servers, cfg->secret, cfg->secret_len);
	if (!app.db || !app.cache) {
		LOG(LOG_ERR, "worker: out of memory");
		goto out;
	}
	engine_init(&engine, app.db, app.cfg);
	app.engine = &engine;
	queue_runner_init(&queue, app.db, app.cfg);
	app.queue = &queue;
	engine.queue = &queue;
	if (net_init_config(app.cfg) != 0) {
		LOG(LOG_ERR, "worker: libcurl did not start");
		goto out;
	}

	/* EPOLLEXCLUSIVE wakes one idle worker per connection instead of
	 * all of them; kernels before 4.5 refuse it and get the herd. */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		LOG(LOG_ERR, "worker: epoll: %s", strerror(errno));
		goto out;
	}
	ev.data.fd = listen_fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		ev.events = EPOLLIN;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
			LOG(LOG_ERR, "worker: epoll: %s", strerror(errno));
			goto out;
		}
	}

	if (FCGX_InitRequest(&rq, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		LOG(LOG_ERR, "worker: FCGX_InitRequest failed");
		goto out;
	}
	rq_ready = true;

	while (!worker_stop && (cfg->api_max_requests == 0 || served < cfg->api_max_requests)) {
		int w = worker__wait(epfd, &rq, &waitmask);
		int rc;

		if (w < 0) {
			LOG(LOG_ERR, "worker: wait: %s", strerror(errno));
			goto out;
		}
		if (w == 0 || worker__stop_pending())
			continue;

		rc = FCGX_Accept_r(&rq);
		if (rc < 0) {
			/* Lost the race for the connection, or nginx closed a
			 * kept-alive one: wait again. */
			if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
				continue;
			LOG(LOG_ERR, "worker: accept: %s", rc < -9000 ? "libfcgi error" : strerror(-rc));
			/* Out of descriptors clears up as others close theirs;
			 * anything else will not, and a fresh worker is the fix. */
			if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM) {
				poll(NULL, 0, 100);
				continue;
			}
			goto out;
		}
		worker__serve(&app, &rq);
		FCGX_Finish_r(&rq);
		worker__after(&app);
		worker__trim(++served);
	}
	if (worker_stop) {
		/*
		 * Connections already queued on the socket were accepted by
		 * the kernel on our behalf: answer them rather than let them
		 * be reset when the socket closes.  On shutdown the master has
		 * unlinked the socket, so the queue only shrinks; on a reload
		 * the new workers share it, and the cap keeps this short.
		 */
		for (unsigned n = 0; n < WORKER_DRAIN_MAX && FCGX_Accept_r(&rq) == 0; n++) {
			worker__serve(&app, &rq);
			FCGX_Finish_r(&rq);
			worker__after(&app);
			served++;
		}
		LOG(LOG_INFO, "worker stopping after %lu requests", served);
	} else {
		LOG(LOG_INFO, "worker recycling after %lu requests", served);
	}
	rv = 0;
out:
	if (rq_ready)
		FCGX_Free(&rq, 1);
	if (epfd >= 0)
		close(epfd);
	json_decref(app.pubs);
	net_cleanup();
	cache_free(app.cache);
	db_free(app.db);
	return rv;
}
