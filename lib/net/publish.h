#ifndef HEARTH_NET_PUBLISH_H
#define HEARTH_NET_PUBLISH_H

/*
 * Real-time messages to the dashboard: a JSON message POSTed to
 * {[stream] publish_url}/{channel}, nchan's publisher location, which
 * nginx serves in a server of its own listening on a unix socket,
 * [stream] publish_socket (/run/hearth-publish/nchan.sock), in a
 * directory only Hearth's user and group may enter: no other local user,
 * and no outside client, can publish.  With publish_socket empty, the
 * URL's host and port are connected to instead.  libcurl is used
 * directly, not net_http(): the outbound URL policy rightly refuses
 * local addresses.  Subscribers get the message at
 * /api/v1/stream/{channel}.
 *
 * Channels: events, alerts, detections, system, workflows, prompts.
 * A message is {"type": type, "channel": channel, "at": ISO time,
 * "data": data}.
 *
 * Best effort by design: a short timeout ([stream] publish_timeout_ms),
 * failure logged and returned, never fatal to what caused it.  Deliveries
 * that must arrive (the pwa_* notification channels) go through the retry
 * queue, which calls publish_message() and retries on failure.
 *
 * One libcurl handle per process is kept, so messages reuse one
 * connection to nginx; processes are single-threaded.
 */
#include "err.h"

#include <jansson.h>

struct hearth_config;

/* Whether channel is one of the six. */
int publish_channel_known(const char *channel);

/*
 * Publish {"type", "channel", "at", "data"} on channel (all borrowed;
 * data NULL = {}).  HERR_OK when nchan accepted it; HERR_UNAVAILABLE when
 * it is not listening, timed out or refused it; HERR_INVALID for an
 * unknown channel, no type, or a message too large for the publisher
 * (it never will go); HERR_NOMEM.
 * A NULL cfg, or one with an empty stream_publish_url, publishes nothing
 * and returns HERR_OK.
 */
enum herr publish_message(const struct hearth_config *cfg, const char *channel,
			  const char *type, const json_t *data);

#endif
