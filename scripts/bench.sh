#!/usr/bin/env bash
# Parley against its peer (Socket.IO 4 + @socket.io/redis-adapter, 2 processes + Redis), one command
# per scenario, driven by the same load generator (bench/) in the same run, one system after the other:
#
#   scripts/bench.sh fanout    1,000 clients in 100 rooms of 10, offered load stepped up until p99 > 100 ms
#   scripts/bench.sh idle      5k / 10k / 19k authenticated, registered idle connections; KB per connection
#   scripts/bench.sh cluster   fanout over 2 Parley instances + Redis (scripts/cluster.sh up 2) vs the peer
#   scripts/bench.sh growth    Parley's latency per operation (sends, replies, edits, reactions; history, thread
#                              pages, sync; the user directory and profile) on an empty store vs a seeded one
#   scripts/bench.sh sends     Parley's acked sends/s, closed loop
#   scripts/bench.sh abuse     slow consumers and a send flood, on the build before issue 8 (the jar in
#                              BENCH_ABUSE_BEFORE_JAR) and this one (BENCH_ABUSE_NOW_JAR, default this tree's)
#   scripts/bench.sh presence  a connect storm of 5,000 users (each with 19 contacts), presence off vs on
#                              (issue 10), each on a fresh node + its own redis-server; runs twice by default
#   scripts/bench.sh attachments  uploads and downloads of 1, 20 and 100 MB files (issue 11): Parley (type
#                              from the bytes, sha256, GridFS on the embedded store, authorized streamed
#                              download) vs nginx writing PUT bodies to disk and serving them statically
#
# BENCH_RUNS=2 runs each system twice (alternating). Everything else is a BENCH_* variable read by
# bench/bench.js (BENCH_STEPS, BENCH_STEP_SECONDS, BENCH_CLIENTS, BENCH_LEVELS, …; see its header).
# Parley runs with PARLEY_AUTH_KDF_ITERATIONS=10000 (the minimum; default 210,000 makes creating the
# users take minutes) and 24 h access tokens unless those variables are set already.
#
# State, logs and result JSON go to target/bench/<scenario>-<time>/; the tables are printed at the end
# and kept in report.md there (paste them into docs/BENCHMARKS.md). All traffic stays on 127.0.0.0/8;
# every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scenario=${1:-}
case "$scenario" in fanout|idle|cluster|growth|sends|abuse|presence|attachments) ;; *) echo "usage: scripts/bench.sh fanout|idle|cluster|growth|sends|abuse|presence|attachments" >&2; exit 2 ;; esac
if [ "$scenario" = presence ]; then runs=${BENCH_RUNS:-2}; else runs=${BENCH_RUNS:-1}; fi
state="$root/target/bench/$scenario-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$state/results"
export PARLEY_AUTH_KDF_ITERATIONS=${PARLEY_AUTH_KDF_ITERATIONS:-10000}
export PARLEY_AUTH_ACCESS_TTL_SECONDS=${PARLEY_AUTH_ACCESS_TTL_SECONDS:-86400}
# Capacity, not policy: the load comes from one address and a few users far past the shipped rates.
for rate in SENDS_PER_USER REST_WRITES_PER_USER AUTH_PER_ADDRESS; do
  export PARLEY_LIMITS_RATES_${rate}_BURST=1000000 PARLEY_LIMITS_RATES_${rate}_PER_MINUTE=1000000
done

say() { echo "bench.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- prerequisites ------------------------------------------------------------------------------
command -v node >/dev/null || die "node (20+) is missing"
if ! command -v redis-server >/dev/null; then
  say "installing redis-server"; apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi
if { [ "$scenario" = cluster ] || [ "$scenario" = attachments ]; } && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx"; apt-get update -qq && apt-get install -y -qq nginx >/dev/null
fi
for d in bench bench/peer; do
  if [ ! -d "$d/node_modules" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
    say "npm ci in $d"; (cd "$d" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
done
source scripts/build-if-needed.sh   # sets $jar
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "open files limit $(ulimit -n) (a JVM serving N connections needs N of them)"

# ---- processes ----------------------------------------------------------------------------------
started_pids=()
cluster_dir="$state/cluster"
cleanup() {
  set +e
  local pid
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${started_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  [ -d "$cluster_dir" ] && PARLEY_CLUSTER_DIR="$cluster_dir" scripts/cluster.sh down >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    port_busy "$p" || { echo "$p"; return; }
  done
  die "no free port"
}
wait_http() { # url seconds pid
  for _ in $(seq 1 $(( $2 * 10 ))); do
    # bounded: a request the node accepts and never answers (seen once, right after start) must not hang the run
    curl -sf --max-time 2 "$1/health" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || die "process $3 exited before $1 answered"
    sleep 0.1
  done
  die "$1 did not answer within $2 s"
}
stop_pids() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# One Parley node on the embedded default (store in $1/data), on a free loopback port, from the jar $2
# (default this tree's), with its environment passed through the command line in parley_env (`env -u …`).
# Sets parley_pid and parley_url.
parley_env=(env)
start_parley() {
  local dir=$1 jar_path=${2:-$root/$jar} port
  mkdir -p "$dir"
  port=$(free_port)
  (cd "$dir" && PARLEY_HTTP_HOST=127.0.0.1 PARLEY_HTTP_PORT=$port exec "${parley_env[@]}" java ${BENCH_JAVA_OPTS:-} -jar "$jar_path" >> "$dir/parley.log" 2>&1) &
  parley_pid=$!
  started_pids+=("$parley_pid")
  parley_url="http://127.0.0.1:$port"
  wait_http "$parley_url" 120 "$parley_pid"
  say "Parley pid $parley_pid on $parley_url (store $dir/data)"
}

# The peer: redis-server + 2 Socket.IO processes. Sets peer_pids and peer_urls.
start_peer() {
  local dir=$1 rport p1 p2 r a b
  mkdir -p "$dir"
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >> "$dir/redis.log" 2>&1 &
  r=$!; started_pids+=("$r")
  for _ in $(seq 1 50); do port_busy "$rport" && break; sleep 0.1; done
  p1=$(free_port); p2=$(free_port)
  node bench/peer/server.js "$p1" "redis://127.0.0.1:$rport" >> "$dir/peer-1.log" 2>&1 &
  a=$!; started_pids+=("$a")
  node bench/peer/server.js "$p2" "redis://127.0.0.1:$rport" >> "$dir/peer-2.log" 2>&1 &
  b=$!; started_pids+=("$b")
  for p in "$p1" "$p2"; do
    for _ in $(seq 1 100); do port_busy "$p" && break; sleep 0.1; done
    port_busy "$p" || die "the peer did not listen on $p; see $dir"
  done
  peer_pids="$a,$b,$r"
  peer_urls="http://127.0.0.1:$p1,http://127.0.0.1:$p2"
  say "peer pids $a,$b + redis $r on $peer_urls"
}

gen() { node bench/bench.js "$@"; }

run_parley_single() { # scenario run
  local dir="$state/parley-$2"
  start_parley "$dir"
  local extra=()
  [ "$1" = idle ] && extra=(--jvm-pids "$parley_pid")
  gen "$1" --system parley --url "$parley_url" --pids "$parley_pid" "${extra[@]}" --out "$state/results/$1-parley-$2.json" \
    | tee -a "$state/bench.log"
  stop_pids "$parley_pid"
}

run_parley_cluster() { # run
  local dir="$cluster_dir" urls pids
  say "starting scripts/cluster.sh up 2 in $dir"
  PARLEY_CLUSTER_DIR="$dir" scripts/cluster.sh up 2 > "$state/cluster-up.log" 2>&1 || { cat "$state/cluster-up.log" >&2; die "cluster did not start"; }
  urls=$(PARLEY_CLUSTER_DIR="$dir" scripts/cluster.sh ps | awk '$3=="up"{print $2}' | paste -sd, -)
  pids=$(cat "$dir"/instance-*.pid "$dir/store.pid" "$dir/redis.pid" | paste -sd, -)
  say "Parley cluster: instances $urls (clients connect to them directly, alternating), pids $pids (instances, store, redis)"
  gen cluster --system parley --url "$urls" --pids "$pids" --out "$state/results/cluster-parley-$1.json" | tee -a "$state/bench.log"
  # keep the instance logs of this run
  mkdir -p "$state/cluster-run-$1"; cp "$dir"/*.log "$state/cluster-run-$1/" 2>/dev/null || true
  PARLEY_CLUSTER_DIR="$dir" scripts/cluster.sh down >/dev/null 2>&1 || true
}

run_peer() { # scenario-name-for-bench.js result-name run
  local dir="$state/peer-$3"
  start_peer "$dir"
  # shellcheck disable=SC2086
  gen "$1" --system peer --url "$peer_urls" --pids "$peer_pids" --out "$state/results/$2-peer-$3.json" | tee -a "$state/bench.log"
  stop_pids ${peer_pids//,/ }
}

has_seed_tool() {
  unzip -l "$jar" 2>/dev/null | grep -q 'io/parley/bench/SeedStore.class' && return 0
  jar tf "$jar" 2>/dev/null | grep -q '^io/parley/bench/SeedStore.class$' && return 0
  python3 -c "import zipfile,sys; sys.exit(0 if 'io/parley/bench/SeedStore.class' in zipfile.ZipFile('$jar').namelist() else 1)" 2>/dev/null
}

run_growth() {
  local dir="$state/parley-1" stored seeded_by stored_users=0
  start_parley "$dir"
  gen growth-measure --label empty --url "$parley_url" --pids "$parley_pid" --out "$state/results/growth-empty.json" | tee -a "$state/bench.log"
  if has_seed_tool; then
    local tenants=${BENCH_SEED_TENANTS:-1000} convs=${BENCH_SEED_CONVERSATIONS:-10} msgs=${BENCH_SEED_MESSAGES:-100}
    local dir_users=${BENCH_SEED_USERS:-20}
    stored=$(( tenants * convs * msgs ))
    stored_users=$(( tenants * (2 + dir_users) ))
    seeded_by="SeedStore ($tenants tenants × $convs conversations × $msgs messages, $(( 2 + dir_users )) users each, node stopped)"
    say "seeding $stored messages and $stored_users users with io.parley.bench.SeedStore"
    stop_pids "$parley_pid"
    local t0=$SECONDS
    local users_arg=("$dir_users")
    [ "$dir_users" -gt 0 ] || users_arg=() # no 5th argument: a jar whose SeedStore predates it works too
    java -cp "$jar" io.parley.bench.SeedStore "$dir/data" "$tenants" "$convs" "$msgs" "${users_arg[@]}" > "$dir/seed.log" 2>&1 \
      || { tail -20 "$dir/seed.log" >&2; die "SeedStore failed"; }
    say "seeded in $(( SECONDS - t0 )) s; store now $(du -sh "$dir/data" | cut -f1)"
    seeded_by="$seeded_by: $(tail -1 "$dir/seed.log")"
    start_parley "$dir"
  else
    seeded_by="the API for ${BENCH_SEED_SECONDS:-180} s (SeedStore not in this jar)"
    say "io.parley.bench.SeedStore is not in $jar: seeding through the API for ${BENCH_SEED_SECONDS:-180} s"
    gen growth-seed-api --url "$parley_url" --seconds "${BENCH_SEED_SECONDS:-180}" --out "$state/results/growth-seed.json" | tee -a "$state/bench.log"
    stored=$(node -e "console.log(require('$state/results/growth-seed.json').stored)")
  fi
  local bytes; bytes=$(du -sb "$dir/data" | cut -f1)
  say "store on disk: $(du -sh "$dir/data" | cut -f1) for $stored messages"
  gen growth-measure --label seeded --stored "$stored" --stored-users "$stored_users" --store-bytes "$bytes" --seeded-by "$seeded_by" --url "$parley_url" \
    --pids "$parley_pid" --out "$state/results/growth-seeded.json" | tee -a "$state/bench.log"
  stop_pids "$parley_pid"
}

# Parley only: acked sends/s with BENCH_SENDS_IN_FLIGHT (128) sends always in flight across BENCH_SENDS_ROOMS (100) rooms, after a
# warm-up (the JIT takes a minute on 2 cores); CPU per send and store bytes on disk per message.
run_sends() {
  local dir="$state/parley-1" conc=${BENCH_SENDS_IN_FLIGHT:-128}
  start_parley "$dir"
  gen growth-seed-api --label warm-up --url "$parley_url" --seconds "${BENCH_SENDS_WARMUP_SECONDS:-40}" --seed-tenants "${BENCH_SENDS_ROOMS:-100}" \
    --seed-concurrency "$conc" --out "$state/results/sends-warm-up.json" | tee -a "$state/bench.log"
  gen growth-seed-api --label measured --url "$parley_url" --seconds "${BENCH_SENDS_SECONDS:-30}" --seed-tenants "${BENCH_SENDS_ROOMS:-100}" \
    --seed-concurrency "$conc" --pids "$parley_pid" --store-dir "$dir/data" --out "$state/results/sends-measured.json" \
    | tee -a "$state/bench.log"
  stop_pids "$parley_pid"
}

# Issue 8's protection, before and after. Each build makes its users and rooms once (its rate limits
# raised for that only: the shipped 30 auth requests per address and minute would not make 31 users),
# then every part runs on a fresh node over a copy of that store with nothing but the shipped config
# (PARLEY_* unset, so the build's conf/config.json limits apply; tokens from setup stay valid for 24 h).
# Parts alternate builds (slow before, slow now, flood before, flood now) so each pair is close in time.
abuse_jar() { # before|now
  if [ "$1" = before ]; then echo "$abuse_before_jar"; else echo "$abuse_now_jar"; fi
}
run_abuse() {
  local v build part i dir
  local shipped=(env) no_rates=(env)
  for v in $(env | grep -o '^PARLEY_[A-Z0-9_]*=' | tr -d =); do
    case "$v" in PARLEY_HTTP_HOST|PARLEY_HTTP_PORT) ;; *) shipped+=(-u "$v") ;; esac
    # a build without rate limits refuses their keys (an unknown PARLEY_* variable stops a node)
    case "$v" in PARLEY_LIMITS_RATES_*) no_rates+=(-u "$v") ;; esac
  done
  for build in before now; do
    dir="$state/$build-setup"
    if [ "$build" = before ]; then parley_env=("${no_rates[@]}"); else parley_env=(env); fi
    start_parley "$dir" "$(abuse_jar "$build")"
    gen abuse-setup --system parley --url "$parley_url" --setup "$dir/setup.json" | tee -a "$state/bench.log"
    stop_pids "$parley_pid"
  done
  parley_env=("${shipped[@]}")
  for i in $(seq 1 "$runs"); do
    for part in slow flood; do
      for build in before now; do
        dir="$state/$part-$build-$i"
        mkdir -p "$dir"
        cp -a "$state/$build-setup/data" "$dir/data"
        start_parley "$dir" "$(abuse_jar "$build")"
        gen "abuse-$part" --system parley --build "$build" --url "$parley_url" --pids "$parley_pid" \
          --setup "$state/$build-setup/setup.json" --out "$state/results/abuse-$part-$i-$build.json" | tee -a "$state/bench.log"
        stop_pids "$parley_pid"
      done
    done
  done
}

# Issue 11: attachments against nginx writing PUT bodies to disk (WebDAV) and serving them as static files, the
# plainest HTTP upload and download on this machine; one system after the other, BENCH_RUNS times (1).
start_nginx_files() { # dir; sets nginx_pids (master first) and nginx_url
  local dir=$1 port master
  port=$(free_port)
  mkdir -p "$dir/www/files" "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 0;
    location /files/ { root $dir/www; dav_methods PUT; create_full_put_path on; }
    location = /health { return 200 "ok\n"; }
  }
}
CONF
  nginx -c "$dir/nginx.conf" >> "$dir/nginx.log" 2>&1 &
  master=$!; started_pids+=("$master")
  nginx_url="http://127.0.0.1:$port"
  wait_http "$nginx_url" 10 "$master"
  nginx_pids="$master,$(pgrep -P "$master" | paste -sd, -)"
  say "nginx pids $nginx_pids on $nginx_url"
}
run_attachments() {
  local i dir
  for i in $(seq 1 "$runs"); do
    dir="$state/parley-$i"
    parley_env=(env PARLEY_ATTACHMENTS_MAX_FILE_BYTES=$((128 * 1024 * 1024)) PARLEY_ATTACHMENTS_BYTES_PER_USER_PER_DAY=$((1 << 40))
      PARLEY_ATTACHMENTS_UPLOADS_DIR="$dir/uploads")
    start_parley "$dir"
    gen attachments --system parley --url "$parley_url" --pids "$parley_pid" --files "$state/files" \
      --out "$state/results/attachments-parley-$i.json" | tee -a "$state/bench.log"
    stop_pids "$parley_pid"
    start_nginx_files "$state/nginx-$i"
    gen attachments --system peer --url "$nginx_url" --pids "$nginx_pids" --files "$state/files" \
      --out "$state/results/attachments-peer-$i.json" | tee -a "$state/bench.log"
    # shellcheck disable=SC2086
    stop_pids ${nginx_pids//,/ }
  done
}

# Issue 10's presence cost. The users and their rooms and DMs are made once (presence off, no Redis); then
# each part runs on a fresh node over a copy of that store, with a fresh redis-server of its own as
# redis.connection_string (fan-out, rate limits and presence through Redis, as in a cluster), presence off
# then on (PARLEY_LIVE_PRESENCE), BENCH_RUNS times (2), so each pair is close in time.
start_redis() { # dir; sets redis_pid and redis_port
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$1" >> "$1/redis.log" 2>&1 &
  redis_pid=$!; started_pids+=("$redis_pid")
  for _ in $(seq 1 50); do port_busy "$redis_port" && break; sleep 0.1; done
  port_busy "$redis_port" || die "redis-server did not listen on $redis_port; see $1/redis.log"
}
run_presence() {
  local i mode dir setup_dir="$state/setup"
  parley_env=(env PARLEY_LIVE_PRESENCE=false)
  start_parley "$setup_dir"
  gen presence-setup --url "$parley_url" --setup "$setup_dir/setup.json" | tee -a "$state/bench.log"
  stop_pids "$parley_pid"
  for i in $(seq 1 "$runs"); do
    for mode in off on; do
      dir="$state/$mode-$i"
      mkdir -p "$dir"
      cp -a "$setup_dir/data" "$dir/data"
      start_redis "$dir"
      parley_env=(env PARLEY_LIVE_PRESENCE=$([ "$mode" = on ] && echo true || echo false) PARLEY_REDIS_CONNECTION_STRING="redis://127.0.0.1:$redis_port")
      start_parley "$dir"
      gen presence-storm --label "$mode" --url "$parley_url" --pids "$parley_pid" --redis-pid "$redis_pid" --redis-port "$redis_port" \
        --setup "$setup_dir/setup.json" --node-log "$dir/parley.log" --out "$state/results/presence-$i-$mode.json" | tee -a "$state/bench.log"
      stop_pids "$parley_pid" "$redis_pid"
    done
  done
}

jar_commit() { # jar: the commit of the work tree it was built in, if any
  local tree; tree=$(dirname "$(dirname "$(readlink -f "$1")")")
  git -C "$tree" rev-parse --short HEAD 2>/dev/null || echo '?'
}

if [ "$scenario" = abuse ]; then
  abuse_before_jar=${BENCH_ABUSE_BEFORE_JAR:-}
  abuse_now_jar=$(readlink -f "${BENCH_ABUSE_NOW_JAR:-$root/$jar}")
  [ -n "$abuse_before_jar" ] || die "set BENCH_ABUSE_BEFORE_JAR to a jar built before issue 8 (ab7ad35: git worktree add <dir> ab7ad35 && (cd <dir> && mvn -B -q -DskipTests package))"
  abuse_before_jar=$(readlink -f "$abuse_before_jar")
  [ -f "$abuse_before_jar" ] && [ -f "$abuse_now_jar" ] || die "no jar at $abuse_before_jar or $abuse_now_jar"
fi

# ---- the scenario -------------------------------------------------------------------------------
{
  echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/{print $2}') memory; $(java -version 2>&1 | head -1); node $(node --version); redis $(redis-server --version | awk '{print $3}')"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?') $(git status --porcelain 2>/dev/null | grep -q . && echo '(with uncommitted changes)')"
  echo "command: scripts/bench.sh $scenario (BENCH_RUNS=$runs, PARLEY_AUTH_KDF_ITERATIONS=$PARLEY_AUTH_KDF_ITERATIONS)"
  if [ "$scenario" = abuse ] || [ "$scenario" = presence ]; then echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"; fi
  if [ "$scenario" = abuse ]; then
    echo "before: $abuse_before_jar ($(jar_commit "$abuse_before_jar")); now: $abuse_now_jar ($(jar_commit "$abuse_now_jar")); JVM options: ${BENCH_JAVA_OPTS:-none}"
  fi
} | tee "$state/machine.txt" >&2

t_start=$SECONDS
case "$scenario" in
  fanout|idle)
    for i in $(seq 1 "$runs"); do
      run_parley_single "$scenario" "$i"
      run_peer "$scenario" "$scenario" "$i"
    done ;;
  cluster)
    for i in $(seq 1 "$runs"); do
      run_parley_cluster "$i"
      run_peer cluster cluster "$i"
    done ;;
  growth)
    run_growth ;;
  sends)
    run_sends ;;
  abuse)
    run_abuse ;;
  presence)
    run_presence ;;
  attachments)
    run_attachments ;;
esac

{
  cat "$state/machine.txt"
  case "$scenario" in abuse|presence) echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" ;; esac
  echo "took $(( SECONDS - t_start )) s"
  echo
  node bench/report.js "$state"/results/*.json
} > "$state/report.md"
cat "$state/report.md"
say "results in $state"
