/*
 * The pieces of a request that need parsing before routing.
 */
#include <string.h>

#include "request.h"

int request_split_uri(const char *uri, char *path_out, size_t pathsz, const char **query)
{
	const char *q;
	size_t len;

	if (!uri)
		uri = "";
	q = strchr(uri, '?');
	len = q ? (size_t)(q - uri) : strlen(uri);
	if (query)
		*query = q ? q + 1 : "";
	/* A truncated path could route somewhere the client never asked
	 * for, so it is refused instead. */
	if (len >= pathsz) {
		if (pathsz)
			path_out[0] = '\0';
		return -1;
	}
	memcpy(path_out, uri, len);
	path_out[len] = '\0';
	return 0;
}
