#!/bin/sh
# nginx/hearth.conf (the production site) must be what nginx/render.sh makes
# of nginx/hearth.conf.in with production values, so the dev stack and the
# package serve the same template.  When nginx is installed, the rendering
# must also pass `nginx -t` inside a throwaway top-level configuration.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

sh "$top_srcdir/nginx/render.sh" >"$tmp/site.conf" || exit 1
if ! diff -u "$top_srcdir/nginx/hearth.conf" "$tmp/site.conf"; then
	echo "check_nginx: nginx/hearth.conf is stale: run nginx/render.sh > nginx/hearth.conf"
	exit 1
fi

command -v nginx >/dev/null 2>&1 || exit 0
command -v openssl >/dev/null 2>&1 || exit 0
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || exit 1
mkdir -p "$tmp/media" "$tmp/static"
sh "$top_srcdir/nginx/render.sh" TLS_CERT="$tmp/cert.pem" TLS_KEY="$tmp/key.pem" \
	API_SOCKET="$tmp/api.sock" STATIC_ROOT="$tmp/static" MEDIA_ROOT="$tmp/media" \
	ACCESS_LOG="$tmp/access.log" >"$tmp/site-test.conf" || exit 1
cat >"$tmp/nginx.conf" <<CONF
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
}
CONF
if ! nginx -t -q -c "$tmp/nginx.conf" -p "$tmp/" >"$tmp/t.out" 2>&1; then
	cat "$tmp/t.out"
	echo "check_nginx: the rendered site fails nginx -t"
	exit 1
fi
