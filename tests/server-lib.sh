# server-lib.sh: a real sceau-server for the test scripts (sourced after
# tap.sh, POSIX sh).
#
#   srv_config FILE [LINES]  writes a configuration: [server] listening on
#                            127.0.0.1 (any free port), LINES (more
#                            "key = value" lines of [server]), the admin
#                            token of $srv_token_file, a database and
#                            its block packs in $tmp.  Later sections
#                            can be appended.
#   start_server CONF [ARGS] starts it and waits until it listens; sets
#                            srv_pid, srv_port, srv_url, srv_log.  Fails
#                            (returns 1) with its log if it does not.
#   stop_server [SIGNAL]     sends SIGNAL (TERM) and waits for the exit
#                            (10 s, then KILL); sets srv_status.
#   make_test_pki DIR        a throwaway CA (ca.pem), a certificate for
#                            127.0.0.1 (server.pem, server.key) and an
#                            unrelated key (other.key)
#   start_nginx BACKEND PKI  nginx on 127.0.0.1 (a free port), TLS with
#                            PKI's certificate, proxying to BACKEND, in
#                            $tmp/nginx; sets nginx_pid, nginx_port
#   stop_nginx
#
# Every server started is killed by its PID when the script exits, never
# by name.  The port is the one the server picked (listen on port 0 and
# read "listening on HOST:PORT" from its log): no race for a free port.

srv_bin="$top_builddir/sceau-server"
srv_pids=
srv_n=0

# srv_setup: the temp dir and the admin token (call once, after tap.sh).
srv_setup() {
	require_cmd curl jq
	[ -x "$srv_bin" ] || bail "sceau-server not built: $srv_bin"
	tap_tmpdir
	tap_cleanup_hook='srv_kill_all'
	srv_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	srv_token_file="$tmp/admin-token"
	(umask 077 && printf '%s\n' "$srv_token" >"$srv_token_file")
}

srv_config() {
	cat >"$1" <<EOF
# sceau-server test configuration
[server]
listen = 127.0.0.1:0
log_level = info
sse_ping = 1s
shutdown_timeout = 10s
${2:-}

[admin]
token_file = $srv_token_file

[database]
path = $tmp/server-$srv_n.db
blocks_dir = $tmp/blocks-$srv_n
EOF
	srv_n=$((srv_n + 1))
}

start_server() {
	conf=$1
	shift
	srv_log="$tmp/server-$srv_n.log"
	srv_n=$((srv_n + 1))
	"$srv_bin" --config "$conf" "$@" 2>"$srv_log" &
	srv_pid=$!
	srv_pids="$srv_pids $srv_pid"
	i=0
	while [ $i -lt 100 ]; do
		srv_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
			"$srv_log" | head -n 1)
		[ -n "$srv_port" ] && break
		if ! kill -0 "$srv_pid" 2>/dev/null; then
			diag "sceau-server exited at start:"
			diag "$(cat "$srv_log")"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$srv_port" ]; then
		diag "sceau-server did not listen within 10 s:"
		diag "$(cat "$srv_log")"
		return 1
	fi
	case "$(sed -n 's/.*listening on [^(]*(\(https*\),.*/\1/p' "$srv_log")" in
	https) srv_url="https://127.0.0.1:$srv_port" ;;
	*) srv_url="http://127.0.0.1:$srv_port" ;;
	esac
	return 0
}

stop_server() {
	sig=${1:-TERM}
	tap_own_pid "$srv_pid" && kill "-$sig" "$srv_pid" 2>/dev/null
	i=0
	while tap_own_pid "$srv_pid" && [ $i -lt 100 ]; do
		# A zombie is ours until waited for: it has stopped.
		grep -q '^[0-9]* (.*) Z ' "/proc/$srv_pid/stat" 2>/dev/null &&
			break
		sleep 0.1
		i=$((i + 1))
	done
	if [ $i -ge 100 ] && tap_own_pid "$srv_pid"; then
		diag "sceau-server $srv_pid did not stop: killing it"
		kill -KILL "$srv_pid" 2>/dev/null
	fi
	wait "$srv_pid" 2>/dev/null
	srv_status=$?
	return 0
}

# start_tamper_proxy: tests/tamper-proxy.py in front of the server, in
# pass mode, its control file $tmp/mode; sets $pport (its port).
start_tamper_proxy() {
	echo pass >"$tmp/mode"
	/usr/bin/python3 "$top_srcdir/tests/tamper-proxy.py" \
		--upstream "$srv_url" --control "$tmp/mode" \
		--port-file "$tmp/proxy.port" 2>"$tmp/proxy.log" &
	srv_pids="$srv_pids $!"
	i=0
	while [ ! -s "$tmp/proxy.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$tmp/proxy.port" ] ||
		bail "tamper-proxy did not start: $(cat "$tmp/proxy.log")"
	pport=$(cat "$tmp/proxy.port")
}

# until_ok SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds
# (status 0), or fails after SECONDS.
until_ok() {
	u_n=$(($1 * 5))
	shift
	while [ "$u_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		u_n=$((u_n - 1))
	done
	return 1
}

# At exit: whatever is still running, by PID.
srv_kill_all() {
	for p in $srv_pids ${srv_extra_pids:-}; do
		tap_own_pid "$p" && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# api METHOD PATH [CURL ARGS...]: the reply's body in $tmp/body, the
# status in $code.  The admin token goes with -H "$(admin_auth)".
api() {
	m=$1
	p=$2
	shift 2
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$@" \
		"$srv_url$p") || code=000
}

admin_auth() {
	echo "Authorization: Bearer $srv_token"
}

# check_api DESC STATUS [CODE]: last reply's status, and error code.
check_api() {
	if [ "$code" != "$2" ]; then
		not_ok "$1 (HTTP $code, expected $2)"
		diag "$(head -c 400 "$tmp/body")"
		return
	fi
	if [ -n "${3:-}" ] &&
		! jq -e --arg c "$3" '.error.code == $c and (.error.message | length > 0)' \
			"$tmp/body" >/dev/null 2>&1; then
		not_ok "$1 (expected error $3)"
		diag "$(head -c 400 "$tmp/body")"
		return
	fi
	ok "$1"
}

make_test_pki() {
	mkdir -p "$1"
	(
		cd "$1" &&
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=test CA' &&
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&
			printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
				-CAcreateserial -days 2 -extfile ext -out server.pem &&
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout other.key -out /dev/null -subj '/CN=other' &&
			chmod 600 server.key other.key
	) >"$1/openssl.log" 2>&1 && return 0
	diag "$(cat "$1/openssl.log")"
	return 1
}

# nginx_conf PORT PKI BACKEND: its own pid file, logs and temp dirs,
# loopback only, one process in the foreground (killed by PID), replies
# not buffered (event streams), X-Forwarded-For added.
nginx_conf() {
	cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $2/server.pem;
		ssl_certificate_key $2/server.key;
		client_max_body_size 4m;
		location / {
			proxy_pass $3;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto https;
			proxy_buffering off;
			proxy_read_timeout 1h;
		}
	}
}
EOF
}

start_nginx() {
	require_cmd nginx od
	mkdir -p "$tmp/nginx"
	nginx_pid=
	# A free port: a few tries at random (nginx exits if it is taken).
	for try in 1 2 3 4 5 6 7 8; do
		nginx_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		nginx_conf "$nginx_port" "$2" "$1"
		nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" \
			-c "$tmp/nginx/nginx.conf" >"$tmp/nginx/out" 2>&1 &
		nginx_pid=$!
		srv_extra_pids="${srv_extra_pids:-} $nginx_pid"
		i=0
		while [ $i -lt 50 ]; do
			curl -s -o /dev/null --cacert "$2/ca.pem" \
				"https://127.0.0.1:$nginx_port/v1/health" && return 0
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$nginx_pid" 2>/dev/null
		wait "$nginx_pid" 2>/dev/null
	done
	nginx_pid=
	diag "$(tail -n 20 "$tmp/nginx/error.log" "$tmp/nginx/out" 2>/dev/null)"
	return 1
}

stop_nginx() {
	[ -n "${nginx_pid:-}" ] || return 0
	kill -TERM "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
	nginx_pid=
}

# member HOME EMAIL NAME [PROFILE]: the admin of $A adds a user with a
# device in HOME (sceau-test-provision, $prov); its ids in $tmp/prov.json.
member() {
	"$prov" --admin-home "$A" --target-home "$1" --email "$2" --name "$3" \
		${4:+--profile "$4"} >"$tmp/prov.json" || bail "provisioning $2"
}
