#!/usr/bin/env bash
# Memory per stored session (issue 5), VisitTracker on loopback only.
# Builds VisitTracker in Release and, for each contender, starts it, warms it up, measures, drives N new visitors
# (no cookie: every request creates and stores a session), lets it settle idle, and measures again:
#   - Memory store, server GC and workstation GC: growth of the process's resident set (VmRSS) per new session;
#   - Redis store (a redis-server of its own, no persistence): growth of Redis's used_memory per new key.
# Prints a Markdown section (machine, command, table) on stdout; progress goes to stderr.
#
#   bench/load/memory.sh [sessions] [settle seconds]     defaults: 1000000 sessions, 10 s
#
# Needs wrk, redis-server, redis-cli, curl and python3 (apt-get install wrk redis-server curl python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
sessions=${1:-1000000}
settle=${2:-10}
warmup=20000
threads=2
connections=50
for tool in wrk redis-server redis-cli curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install $tool" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Drops a process that has been waited for, so that cleanup never signals a PID the system may have reused.
forget() { local kept=() pid; for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done; pids=("${kept[@]}"); }

log() { echo "memory.sh: $*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
dbsize() { redis-cli -p "$1" dbsize | tr -d '\r'; }
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; } # 1000000 -> 1,000,000

log "building VisitTracker (Release)"
dotnet build src/VisitTracker -c Release -o "$work/app" -v quiet -nologo >/dev/null

# Requests still in flight when a wrk thread stops (bench/load/count.lua) may also land, so the store can end up
# holding up to $connections more sessions than asked.

# Drives $2 new-visitor requests at port $1; prints how many completed, and fails on any non-2xx answer.
drive() {
  local out=$work/wrk.out wrk_pid
  : >"$work/finished"
  wrk -t"$threads" -c"$connections" -d1h -s bench/load/count.lua "http://127.0.0.1:$1/" -- $(($2 / threads)) "$work/finished" >"$out" &
  wrk_pid=$!
  pids+=("$wrk_pid")
  while (( $(wc -l <"$work/finished") < threads )); do
    kill -0 "$wrk_pid" 2>/dev/null || { cat "$out" >&2; echo "wrk ended early" >&2; return 1; }
    sleep 0.2
  done
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  forget "$wrk_pid"
  if grep -q 'Non-2xx' "$out"; then cat "$out" >&2; echo "non-2xx answers during the run" >&2; return 1; fi
  log "$(grep -E 'requests in|Requests/sec' "$out" | tr -s ' ' | paste -sd ' ')"
  awk '/requests in/ {print $1}' "$out"
}

# Starts VisitTracker with the given environment on a free loopback port; sets $app_pid and $app_port.
start_app() {
  app_port=$(free_port)
  # The new-session limit is off: every new visitor comes from one address.
  # Started in the scratch folder: VisitTracker keeps its relative data paths (users, keys) under the working directory.
  (cd "$work" && exec env "$@" Session__Secret=bench-secret-at-least-32-bytes-long Session__NewSessionLimit__PermitsPerMinute=0 \
    Management__Enabled=false Logging__LogLevel__Default=Warning \
    dotnet "$work/app/VisitTracker.dll" --urls "http://127.0.0.1:$app_port") >"$work/app-$app_port.log" 2>&1 &
  app_pid=$!
  pids+=("$app_pid")
  for _ in $(seq 150); do curl -fs -o /dev/null "http://127.0.0.1:$app_port/css/styles.css" && return 0; sleep 0.2; done
  echo "VisitTracker did not start:" >&2; cat "$work/app-$app_port.log" >&2; return 1
}

stop_app() { kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; forget "$app_pid"; }

rows=()
# The bound is raised above the run's sessions so that the store keeps every one of them (no LRU eviction).
max_sessions=$((sessions + warmup + 100000))
for gc in workstation server; do
  server_gc=0; [[ $gc == server ]] && server_gc=1
  log "Memory store, $gc GC"
  start_app DOTNET_gcServer=$server_gc Session__Store=Memory Session__Memory__MaxSessions=$max_sessions
  drive "$app_port" "$warmup" >/dev/null
  sleep "$settle"
  before=$(rss_bytes "$app_pid")
  done_requests=$(drive "$app_port" "$sessions")
  sleep "$settle"
  after=$(rss_bytes "$app_pid")
  if grep -q 'evicted' "$work/app-$app_port.log"; then echo "the memory store evicted sessions; raise MaxSessions" >&2; exit 1; fi
  stop_app
  per=$(( (after - before) / done_requests ))
  rows+=("| Memory | $gc | VmRSS | $(group "$done_requests") | $((before / 1048576)) MiB | $((after / 1048576)) MiB | **$per B** |")
done

log "Redis store"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
start_app Session__Store=Redis Session__Redis__Configuration=127.0.0.1:$redis_port
drive "$app_port" "$warmup" >/dev/null
sleep "$settle"
keys_before=$(dbsize "$redis_port")
before=$(used_memory "$redis_port")
drive "$app_port" "$sessions" >/dev/null
sleep "$settle"
keys_after=$(dbsize "$redis_port")
after=$(used_memory "$redis_port")
stop_app
stored=$((keys_after - keys_before))
rows+=("| Redis | — | used_memory | $(group "$stored") | $((before / 1048576)) MiB | $((after / 1048576)) MiB | **$(( (after - before) / stored )) B** |")

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
runtime=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" {v = $2} END {print v}')
cat <<EOF
## Memory per session

Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`bench/load/memory.sh $sessions $settle\` on $(nproc) vCPU $cpu,
$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576 )) GiB, $os, .NET $runtime, redis-server $(redis-server --version | awk '{print $3}' | tr -d 'v='), wrk $(wrk --version 2>&1 | awk 'NR == 1 {print $2}'); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end.
VisitTracker in Release, default \`Concurrency\`; each contender gets $warmup new visitors to warm up, then
$(group "$sessions") more (\`wrk -t$threads -c$connections\`, no cookie: each request stores a session
\`{"visits":1,"__created":…}\`), measured after $settle s idle before and after. No forced GC: garbage the
runtime had not yet collected counts, as it does for a real process. Memory's \`MaxSessions\` is raised to
$(group "$max_sessions") so nothing is evicted; Redis is a redis-server of its own without persistence.

| store | GC | measure | sessions added | before | after | per session |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")
EOF
