#ifndef HEARTH_WORKER_H
#define HEARTH_WORKER_H

struct hearth_config;
struct roles;

/*
 * A worker process: accept FastCGI requests on listen_fd until told to stop
 * (SIGTERM: finish the request in hand, then return) or until
 * cfg->api_max_requests have been served.  Returns the exit status.
 */
int worker_run(int listen_fd, const struct hearth_config *cfg, const struct roles *roles);

#endif
