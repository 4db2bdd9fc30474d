/*
 * hearth-bench-ceiling: the fastest FastCGI responder nginx can talk to.
 *
 *   hearth-bench-ceiling SOCKET [WORKERS]
 *
 * Binds the unix socket SOCKET, preforks WORKERS processes (default: one per
 * core) and answers every request 200 {"status":"ok"} without looking at it.
 * `make bench` puts it behind the same nginx as hearth-api, so the ratio of
 * the API's throughput to this one is the cost of the API itself, free of
 * TLS, nginx and the machine.  SIGTERM or SIGINT stops it and removes the
 * socket.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 256

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int parse_workers(const char *text, long *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < 1 || n > MAX_WORKERS)
		return -1;
	*out = n;
	return 0;
}

/* A worker: answer until killed.  Never returns. */
static void worker(int listen_fd)
{
	static const char reply[] =
		"Status: 200 OK\r\n"
		"Content-Type: application/json\r\n"
		"\r\n"
		"{\"status\":\"ok\"}";
	FCGX_Request req;

	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

/* Signals stay blocked across fork() so a stop request cannot reach the
 * child before it has put back the default handlers. */
static pid_t spawn(int listen_fd)
{
	sigset_t stop, old;
	pid_t pid;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		worker(listen_fd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		perror("hearth-bench-ceiling: fork");
	return pid;
}

int main(int argc, char **argv)
{
	pid_t workers[MAX_WORKERS] = {0};
	long nworkers = sysconf(_SC_NPROCESSORS_ONLN);
	struct sigaction sa;
	const char *path;
	int listen_fd;
	long i;

	if (argc < 2 || argc > 3 || (argc == 3 && parse_workers(argv[2], &nworkers) != 0)) {
		fprintf(stderr, "usage: hearth-bench-ceiling SOCKET [WORKERS 1..%d]\n", MAX_WORKERS);
		return 64;
	}
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	path = argv[1];

	if (FCGX_Init() != 0) {
		fprintf(stderr, "hearth-bench-ceiling: FCGX_Init failed\n");
		return 1;
	}
	/* libfcgi takes a path with a '/' for a unix socket and replaces an
	 * old one. */
	listen_fd = FCGX_OpenSocket(path, 1024);
	if (listen_fd < 0) {
		fprintf(stderr, "hearth-bench-ceiling: cannot listen on %s\n", path);
		return 1;
	}
	/* nginx workers may run as another user. */
	if (chmod(path, 0666) != 0)
		perror("hearth-bench-ceiling: chmod");

	/* No SA_RESTART: the signal must break waitpid() below. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (i = 0; i < nworkers; i++)
		workers[i] = spawn(listen_fd);

	/* Replace a worker that dies, until told to stop. */
	while (!stopping) {
		pid_t dead = waitpid(-1, NULL, 0);

		if (dead < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < nworkers; i++) {
			if (workers[i] == dead && !stopping) {
				workers[i] = spawn(listen_fd);
				break;
			}
		}
	}

	for (i = 0; i < nworkers; i++)
		if (workers[i] > 0)
			kill(workers[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	unlink(path);
	return 0;
}
