#!/usr/bin/env bash
# Side-by-side load test of VisitTracker's session configurations with wrk, on loopback only.
# Builds VisitTracker in Release, starts one process per contender on its own port, and drives each with wrk,
# interleaved (A B C, A B C, ...) so machine drift hits all alike. Prints a Markdown table of req/s, p50, p99 and
# each contender's share of the first contender's throughput in the same round.
#
#   bench/load/run.sh [rounds] [seconds]          defaults: 3 rounds of 10 s per contender and scenario
#
# Scenarios: steady (200 existing sessions rotated over the connections), hot (one session, every request on it),
# new (no cookie: every request starts a session). Contenders: Memory, SQLite and Redis (a redis-server of its own),
# each Serialized and LastWriteWins. Needs wrk and redis-server (apt-get install wrk redis-server) and curl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds=${1:-3}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/VisitTracker -c Release -o "$work/app" -v quiet -nologo >/dev/null

# One redis-server of our own on a loopback port, no persistence, for the Redis contenders.
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install redis-server" >&2; exit 1; }
redis_port=6391
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis="Session__Store=Redis Session__Redis__Configuration=127.0.0.1:$redis_port"

# name|environment (space-separated assignments)
contenders=(
  "memory-lastwritewins|Session__Store=Memory Session__Concurrency=LastWriteWins"
  "memory-serialized|Session__Store=Memory Session__Concurrency=Serialized"
  "sqlite-lastwritewins|Session__Store=Sqlite Session__Concurrency=LastWriteWins"
  "sqlite-serialized|Session__Store=Sqlite Session__Concurrency=Serialized"
  "redis-lastwritewins|$redis Session__Concurrency=LastWriteWins"
  "redis-serialized|$redis Session__Concurrency=Serialized"
)

port=4100
declare -A ports
for contender in "${contenders[@]}"; do
  name=${contender%%|*}
  port=$((port + 1))
  ports[$name]=$port
  # shellcheck disable=SC2086
  env ${contender#*|} Session__Secret=bench-secret Session__Sqlite__Path="$work/$name.db" Logging__LogLevel__Default=Warning \
    dotnet "$work/app/VisitTracker.dll" --urls "http://127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  pids+=($!)
done

for name in "${!ports[@]}"; do
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:${ports[$name]}/css/styles.css" && break; sleep 0.2; done
  for _ in $(seq 200); do
    curl -s -D - -o /dev/null "http://127.0.0.1:${ports[$name]}/" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p'
  done >"$work/$name.steady"
  head -1 "$work/$name.steady" >"$work/$name.hot"
done

# Each wrk thread rotates over its own share of the cookies (thread t takes cookies t, t+n, t+2n, ...), so the
# "steady" scenario has many sessions and no two requests of one session in flight together, as with real visitors;
# "hot" gives every thread the same single cookie on purpose.
cat >"$work/cookies.lua" <<'LUA'
local threads = 0
setup = function(thread)
  thread:set("index", threads)
  threads = threads + 1
  thread:set("count", 0)
end
local cookies = nil
local i = 0
request = function()
  if cookies == nil then
    cookies = {}
    local file = os.getenv("COOKIES")
    local all = {}
    if file and file ~= "" then for line in io.lines(file) do all[#all + 1] = line end end
    local n = tonumber(os.getenv("THREADS") or "2")
    for k = 1, #all do
      if #all == 1 or (k - 1) % n == index then cookies[#cookies + 1] = all[k] end
    end
  end
  i = i + 1
  if #cookies == 0 then return wrk.format("GET", "/") end
  return wrk.format("GET", "/", { ["Cookie"] = cookies[(i % #cookies) + 1] })
end
LUA

results="$work/results.tsv"
for round in $(seq "$rounds"); do
  for scenario in steady hot new; do
    for contender in "${contenders[@]}"; do
      name=${contender%%|*}
      cookies=""
      [[ $scenario != new ]] && cookies="$work/$name.$scenario"
      out=$(THREADS=2 COOKIES=$cookies wrk -t2 -c50 -d"${seconds}s" --latency -s "$work/cookies.lua" "http://127.0.0.1:${ports[$name]}/")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
      errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scenario" "$name" "$rps" "$p50" "$p99" "${errors:-0}" >>"$results"
    done
  done
done

echo "| scenario | contender | req/s (median of $rounds) | share of ${contenders[0]%%|*} | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|"
python3 - "$results" "${contenders[0]%%|*}" <<'PY'
import sys, statistics, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
base = sys.argv[2]
by = collections.defaultdict(list)
for r in rows:
    by[(r[1], r[2])].append(r)
for scenario in ["steady", "hot", "new"]:
    base_rps = statistics.median(float(r[3]) for r in by[(scenario, base)])
    for (s, name), rs in by.items():
        if s != scenario:
            continue
        rps = statistics.median(float(r[3]) for r in rs)
        mid = sorted(rs, key=lambda r: float(r[3]))[len(rs) // 2]
        errors = sum(int(r[6] or 0) for r in rs)
        print(f"| {scenario} | {name} | {rps:,.0f} | {rps / base_rps:.2f} | {mid[4]} | {mid[5]} | {errors} |")
PY
