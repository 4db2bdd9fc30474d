/*
 * GET /stream/{channel}: the question nginx asks (nchan_authorize_request)
 * before it lets a subscriber onto a real-time stream.  By the time the
 * handler runs, the dispatcher has checked the key (header, ?api_key=,
 * bearer or session) and the role against "GET /api/v1/stream/{channel}"
 * as for any request, so all that is left is whether the channel exists.
 *
 * The stream itself is nginx's: this route only ever answers the
 * question, also to a client that reaches it without nchan in front.
 */
#include "fields.h"
#include "handlers.h"
#include "net/publish.h"
#include "response.h"

/* Longer than any channel name: anything longer is not one. */
#define STREAM_CHANNEL_MAX 32

int h_stream_authorize(struct ctx *c, struct response *r)
{
	char channel[STREAM_CHANNEL_MAX];

	if (route_capture(c->m, "channel", channel, sizeof(channel)) != 0 ||
	    !publish_channel_known(channel))
		return response_detail(r, 404, "no such stream (channels: events, alerts, "
					       "detections, system, workflows, prompts)");
	return ctx_reply(r, 200, json_pack("{s:s}", "channel", channel));
}
