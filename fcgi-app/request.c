/*
 * The pieces of a request that need parsing before routing.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

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

/*
 * The hearth_session cookie's value into buf: 2 when there is exactly one,
 * 0 when none, -1 when it is there twice or does not fit (a browser
 * sends a cookie once; two are a planted one beside the real one).
 */
int request_session_cookie(const char *cookie, char *buf, size_t bufsz)
{
	static const char name[] = REQUEST_SESSION_COOKIE "=";
	int rv = 0;

	for (const char *p = cookie; p && *p;) {
		size_t len;

		p += strspn(p, " \t;");
		len = strcspn(p, ";");
		if (strncmp(p, name, sizeof(name) - 1) == 0) {
			const char *v = p + sizeof(name) - 1;
			size_t vlen = len - (sizeof(name) - 1);

			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (rv != 0 || vlen >= bufsz)
				return -1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			rv = 2;
		}
		p += len;
	}
	return rv;
}

/*
 * Whether url names this very site: "https://<host>[:<port>]" followed by
 * nothing (an Origin) or by a '/' (a Referer).  nginx gives the host name
 * without the port and the port it listens on, which is the one the
 * browser wrote unless it is 443, the one browsers leave out.
 */
bool request_same_site(const struct request *req, const char *url, bool referer)
{
	static const char scheme[] = "https://";
	const char *host = req->host, *port = req->server_port;
	size_t hlen;

	if (!url || !host || !*host || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return false;
	url += sizeof(scheme) - 1;
	hlen = strlen(host);
	if (strncasecmp(url, host, hlen) != 0)
		return false;
	url += hlen;
	if (port && *port && strcmp(port, "443") != 0) {
		if (*url != ':' || strncmp(url + 1, port, strlen(port)) != 0)
			return false;
		url += 1 + strlen(port);
	}
	return referer ? *url == '/' : *url == '\0';
}
