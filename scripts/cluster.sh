#!/usr/bin/env bash
# A Parley cluster from local processes, the same topology as docker-compose.yml without Docker:
# N clustered instances (Hazelcast over loopback) + redis-server + nginx + one shared store (the embedded
# MongoDB-wire server, or the MongoDB in PARLEY_MONGO_CONNECTION_STRING), all on free loopback ports.
#
#   scripts/cluster.sh up N      start everything; the last line printed is the nginx base URL
#   scripts/cluster.sh ps        each instance's own URL (and whether it runs)
#   scripts/cluster.sh kill I    kill -9 instance I (1-based)
#   scripts/cluster.sh start I   start instance I again (same ports)
#   scripts/cluster.sh down      stop everything this script started
#   scripts/cluster.sh redis kill|start   kill -9 / restart this cluster's redis-server (same port)
#   scripts/cluster.sh nginx-conf PORT HTTP_PORT...   only write the nginx.conf `up` would use, for nginx on
#                                loopback PORT in front of instances on those HTTP ports; prints its path
#
# State (ports, pids, logs, generated nginx.conf) lives in $PARLEY_CLUSTER_DIR (default target/cluster).
# Other PARLEY_* variables in the environment reach every instance. Set PARLEY_REDIS_CONNECTION_STRING,
# PARLEY_MONGO_CONNECTION_STRING or PARLEY_AUTH_JWT_SECRET to share them with another cluster instead of
# starting/generating this cluster's own. CLUSTER_ROLES_<I>="gateway" or "auth,rooms,attachments,delivery" limits
# instance I to those concerns (nginx routes only to instances that run a gateway).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${PARLEY_CLUSTER_DIR:-$root/target/cluster}

die() { echo "cluster.sh: $*" >&2; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  # Below the kernel's ephemeral range, so no outgoing connection can be holding the port we pick.
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % (low - 20000) ))
    if ! port_busy "$p" && ! grep -qx "$p" "$dir/ports.used" 2>/dev/null; then
      echo "$p" >> "$dir/ports.used"
      echo "$p"
      return
    fi
  done
  die "no free port found"
}
wait_port() { # port, seconds, what[, pid file of the process that should listen]
  for _ in $(seq 1 $(( $2 * 10 ))); do
    port_busy "$1" && return 0
    [ -n "${4:-}" ] && ! alive "$4" && die "$3 exited before listening on $1; see $dir"
    sleep 0.1
  done
  die "$3 did not listen on $1 within $2 s"
}
http_ok() { # port path
  local status
  status=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 && head -1 <&3) 2>/dev/null || true)
  [[ "$status" == *" 200 "* ]]
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
get() { cat "$dir/$1"; }

# redis-server on this cluster's port; also used to bring Redis back after a crash test.
start_redis() {
  redis-server --port "$(get redis.port)" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >> "$dir/redis.log" 2>&1 &
  echo $! > "$dir/redis.pid"
}

start_instance() {
  local i=$1 http hz members
  http=$(get "instance-$i.http"); hz=$(get "instance-$i.hz")
  alive "$dir/instance-$i.pid" && die "instance $i is already running"
  members=$(cat "$dir"/instance-*.hz | sed 's/^/127.0.0.1:/' | paste -sd, -)
  (
    unset PARLEY_CLUSTER_DIR   # this script's state dir, not a setting of the instances
    export PARLEY_HTTP_HOST=127.0.0.1 PARLEY_HTTP_PORT="$http"
    export PARLEY_MONGO_CONNECTION_STRING="$(get mongo.url)" PARLEY_REDIS_CONNECTION_STRING="$(get redis.url)"
    export PARLEY_AUTH_JWT_SECRET="$(get jwt-secret)"
    export PARLEY_CLUSTER_ENABLED=true PARLEY_CLUSTER_HOST=127.0.0.1 PARLEY_CLUSTER_PORT="$hz"
    export PARLEY_CLUSTER_MEMBERS="$members" PARLEY_CLUSTER_NAME="$(get cluster.name)"
    export PARLEY_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS="${PARLEY_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS:-5}"
    local concern roles
    roles=",$(get "instance-$i.roles"),"
    for concern in gateway auth rooms attachments delivery; do
      [[ "$roles" == *",$concern,"* ]] || export "PARLEY_NODE_VERTICLES_${concern^^}=0"
    done
    cd "$dir"
    exec java -jar "$root/target/parley.jar" >> "$dir/instance-$i.log" 2>&1
  ) &
  echo $! > "$dir/instance-$i.pid"
}

has_gateway() { [[ ",$(get "instance-$1.roles")," == *",gateway,"* ]]; }

wait_instance() {
  local i=$1 http
  http=$(get "instance-$i.http")
  for _ in $(seq 1 900); do
    if has_gateway "$i"; then
      http_ok "$http" /health && return 0
    else
      grep -q "node started" "$dir/instance-$i.log" 2>/dev/null && return 0
    fi
    alive "$dir/instance-$i.pid" || die "instance $i exited; see $dir/instance-$i.log"
    sleep 0.1
  done
  die "instance $i was not healthy within 90 s; see $dir/instance-$i.log"
}

# $dir/nginx/nginx.conf and its copy of parley-proxy.conf: nginx on loopback port $1 in front of the
# instances whose HTTP ports follow.
write_nginx_conf() {
  local port=$1 servers="" http
  shift
  for http in "$@"; do
    servers+="    server 127.0.0.1:$http max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$dir/nginx/logs"
  sed "s/^  listen      80;.*/  listen      127.0.0.1:$port;/" nginx/parley-proxy.conf > "$dir/nginx/parley-proxy.conf"
  cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log $dir/nginx/logs/access.log;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  upstream parley {
$servers  }
  upstream parley_sockjs {
    hash \$sockjs_session consistent;
$servers  }
  include $dir/nginx/parley-proxy.conf;
}
CONF
}

gateway_ports() { # the HTTP ports of instances 1..$1 that run a gateway
  local i
  for i in $(seq 1 "$1"); do has_gateway "$i" && get "instance-$i.http"; done
  return 0
}

nginx_conf() {
  [[ $# -ge 2 && "$*" =~ ^[0-9\ ]+$ ]] || die "usage: cluster.sh nginx-conf PORT HTTP_PORT..."
  alive "$dir/nginx/nginx.pid" && die "a cluster is up in $dir; its nginx.conf stays as it is"
  mkdir -p "$dir"
  write_nginx_conf "$@"
  echo "$dir/nginx/nginx.conf"
}

up() {
  local n=${1:-}
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "usage: cluster.sh up N (N >= 1)"
  [ -f "$dir/nginx.port" ] && alive "$dir/nginx/nginx.pid" && die "a cluster is already up in $dir; run cluster.sh down first"
  command -v redis-server >/dev/null || die "redis-server is missing (Debian: apt-get install -y redis-server)"
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is missing (Debian: apt-get install -y nginx)"
  source scripts/build-if-needed.sh
  rm -rf "$dir"; mkdir -p "$dir"
  echo "$n" > "$dir/size"
  echo "parley-$$-$RANDOM" > "$dir/cluster.name"
  if [ -n "${PARLEY_AUTH_JWT_SECRET:-}" ]; then
    printf '%s' "$PARLEY_AUTH_JWT_SECRET" > "$dir/jwt-secret"
  else
    head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$dir/jwt-secret"
  fi
  chmod 600 "$dir/jwt-secret"

  if [ -n "${PARLEY_REDIS_CONNECTION_STRING:-}" ]; then
    echo "$PARLEY_REDIS_CONNECTION_STRING" > "$dir/redis.url"
  else
    local redis_port; redis_port=$(free_port)
    echo "$redis_port" > "$dir/redis.port"
    start_redis
    echo "redis://127.0.0.1:$redis_port" > "$dir/redis.url"
    wait_port "$redis_port" 10 "redis-server" "$dir/redis.pid"
  fi

  if [ -n "${PARLEY_MONGO_CONNECTION_STRING:-}" ]; then
    echo "$PARLEY_MONGO_CONNECTION_STRING" > "$dir/mongo.url"
  else
    local store_port; store_port=$(free_port)
    java -cp target/parley.jar io.parley.store.StandaloneStore "$dir/store" "$store_port" > "$dir/store.log" 2>&1 &
    echo $! > "$dir/store.pid"
    echo "mongodb://127.0.0.1:$store_port" > "$dir/mongo.url"
    wait_port "$store_port" 30 "the store" "$dir/store.pid"
  fi

  local i
  for i in $(seq 1 "$n"); do
    free_port > "$dir/instance-$i.http"
    free_port > "$dir/instance-$i.hz"
    local roles_var="CLUSTER_ROLES_$i"
    echo "${!roles_var:-gateway,auth,rooms,attachments,delivery}" > "$dir/instance-$i.roles"
  done
  for i in $(seq 1 "$n"); do start_instance "$i"; done
  for i in $(seq 1 "$n"); do wait_instance "$i"; done

  free_port > "$dir/nginx.port"
  # shellcheck disable=SC2046 # one word per port
  write_nginx_conf "$(get nginx.port)" $(gateway_ports "$n")
  nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" 2> "$dir/nginx/logs/start.log" || die "nginx failed: $(cat "$dir/nginx/logs/start.log")"
  wait_port "$(get nginx.port)" 10 "nginx"
  echo "http://127.0.0.1:$(get nginx.port)"
}

ps_() {
  [ -f "$dir/size" ] || die "no cluster in $dir"
  local i state
  for i in $(seq 1 "$(get size)"); do
    if alive "$dir/instance-$i.pid"; then state=up; else state=down; fi
    echo "$i http://127.0.0.1:$(get "instance-$i.http") $state $(get "instance-$i.roles")"
  done
}

kill_() {
  local i=${1:-}
  [ -f "$dir/instance-$i.pid" ] || die "usage: cluster.sh kill I (no instance $i)"
  alive "$dir/instance-$i.pid" || die "instance $i is not running"
  kill -9 "$(get "instance-$i.pid")"
  for _ in $(seq 1 100); do alive "$dir/instance-$i.pid" || return 0; sleep 0.05; done
  die "instance $i did not die"
}

start_() {
  local i=${1:-}
  [ -f "$dir/instance-$i.http" ] || die "usage: cluster.sh start I (no instance $i)"
  start_instance "$i"
  wait_instance "$i"
  echo "http://127.0.0.1:$(get "instance-$i.http")"
}

down() {
  [ -d "$dir" ] || return 0
  if alive "$dir/nginx/nginx.pid"; then nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -s stop 2>/dev/null || kill "$(get nginx/nginx.pid)"; fi
  local pidfile
  for pidfile in "$dir"/instance-*.pid; do
    [ -f "$pidfile" ] && alive "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$dir"/instance-*.pid; do
    for _ in $(seq 1 100); do alive "$pidfile" || break; sleep 0.1; done
    alive "$pidfile" && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$dir/store.pid" "$dir/redis.pid"; do
    [ -f "$pidfile" ] && alive "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -f "$dir/size" "$dir/nginx.port"
}

redis_() {
  [ -f "$dir/redis.port" ] || die "this cluster uses an external Redis"
  case "${1:-}" in
    kill) alive "$dir/redis.pid" && kill -9 "$(get redis.pid)"
          for _ in $(seq 1 100); do alive "$dir/redis.pid" || return 0; sleep 0.05; done ;;
    start) alive "$dir/redis.pid" && die "redis-server is running"
           start_redis; wait_port "$(get redis.port)" 10 "redis-server" ;;
    *) die "usage: cluster.sh redis kill|start" ;;
  esac
}

case "${1:-}" in
  up) up "${2:-}" ;;
  ps) ps_ ;;
  kill) kill_ "${2:-}" ;;
  start) start_ "${2:-}" ;;
  down) down ;;
  redis) redis_ "${2:-}" ;;
  nginx-conf) shift; nginx_conf "$@" ;;
  *) die "usage: cluster.sh up N | ps | kill I | start I | down | redis kill|start | nginx-conf PORT HTTP_PORT..." ;;
esac
