#!/bin/sh
# nginx/hearth.conf (the production site) must be what nginx/render.sh makes
# of nginx/hearth.conf.in with production values, so the dev stack and the
# package serve the same template.  The nchan publisher must sit in a
# loopback-only server of its own and every stream location must ask the
# API about its subscribers.  When nginx and nchan are installed, the
# rendering must also pass `nginx -t` inside a throwaway top-level
# configuration.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

sh "$top_srcdir/nginx/render.sh" >"$tmp/site.conf" || exit 1
if ! diff -u "$top_srcdir/nginx/hearth.conf" "$tmp/site.conf"; then
	echo "check_nginx: nginx/hearth.conf is stale: run nginx/render.sh > nginx/hearth.conf"
	exit 1
fi

# The nchan publisher accepts any message for any subscriber, so it must
# live in a server of its own that listens on a unix socket only (its
# directory's permissions keep other local users out), and the public
# servers must have no publisher.  Each stream location must ask
# the API about its subscribers.
awk '
	function fail(msg) { print "check_nginx: " msg; bad = 1 }
	function end_server() {
		if (pub && (listens == 0 || public_listen))
			fail("server " n " has the nchan publisher but listens on more than a unix socket")
		if (pub)
			pubs++
	}
	{ line = $0; sub(/#.*/, "", line) }
	depth == 0 && line ~ /^[ \t]*server[ \t]*\{/ { n++; pub = 0; listens = 0; public_listen = 0 }
	depth == 1 && line ~ /^[ \t]*listen[ \t]/ {
		listens++
		if ($2 !~ /^unix:\/[^;]+;?$/)
			public_listen = 1
	}
	line ~ /(^|[ \t{;])nchan_(publisher|pubsub)([ \t;]|$)/ { pub = 1 }
	line ~ /^[ \t]*location[ \t].*\/api\/v1\/stream\// { in_stream = 1; stream_auth = 0; streams++ }
	in_stream && line ~ /(^|[ \t{;])nchan_authorize_request[ \t]/ { stream_auth = 1 }
	line ~ /^[ \t]*location[ \t]+=[ \t]+\/api\/v1\/recordings[ \t]*\{/ { in_upload = 1; uploads++ }
	in_upload && line ~ /(^|[ \t{;])fastcgi_request_buffering[ \t]+off;/ { upload_stream = 1 }
	in_upload && line ~ /(^|[ \t{;])client_max_body_size[ \t]+[0-9]+[mg];/ { upload_size = 1 }
	in_upload && line ~ /(^|[ \t{;])fastcgi_pass[ \t]/ { upload_pass = 1 }
	{
		opens = gsub(/\{/, "{", line)
		closes = gsub(/\}/, "}", line)
		depth += opens - closes
		if (in_stream && depth == 1) {
			if (!stream_auth)
				fail("a stream location has no nchan_authorize_request")
			in_stream = 0
		}
		if (in_upload && depth == 1) {
			if (!upload_stream || !upload_size || !upload_pass)
				fail("the upload location needs fastcgi_request_buffering off, a large client_max_body_size and fastcgi_pass")
			in_upload = 0
		}
		if (closes && depth == 0 && n)
			end_server()
	}
	END {
		if (pubs != 1)
			fail("expected one publisher server, found " pubs + 0)
		if (streams == 0)
			fail("no /api/v1/stream/ location")
		if (uploads == 0)
			fail("no location = /api/v1/recordings for uploads")
		exit bad
	}
' "$tmp/site.conf" || exit 1

command -v nginx >/dev/null 2>&1 || exit 0
command -v openssl >/dev/null 2>&1 || exit 0
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || exit 1
mkdir -p "$tmp/media" "$tmp/static"
sh "$top_srcdir/nginx/render.sh" TLS_CERT="$tmp/cert.pem" TLS_KEY="$tmp/key.pem" \
	API_SOCKET="$tmp/api.sock" PUBLISH_SOCKET="$tmp/pub.sock" STATIC_ROOT="$tmp/static" MEDIA_ROOT="$tmp/media" \
	ACCESS_LOG="$tmp/access.log" >"$tmp/site-test.conf" || exit 1
# The site needs nchan (Debian: libnginx-mod-nchan); without it nginx -t
# cannot judge the site, so it is not run.
nchan=/usr/lib/nginx/modules/ngx_nchan_module.so
if [ ! -f "$nchan" ]; then
	echo "check_nginx: $nchan missing: nginx -t skipped"
	exit 0
fi
cat >"$tmp/nginx.conf" <<CONF
load_module $nchan;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http {
	client_body_temp_path $tmp;
	proxy_temp_path $tmp;
	fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp;
	scgi_temp_path $tmp;
	include /etc/nginx/mime.types;
	include $tmp/site-test.conf;
	nchan_max_reserved_memory 8M;
}
CONF
if ! nginx -t -q -c "$tmp/nginx.conf" -p "$tmp/" >"$tmp/t.out" 2>&1; then
	cat "$tmp/t.out"
	echo "check_nginx: the rendered site fails nginx -t"
	exit 1
fi
