#!/usr/bin/env bash
# Issue 5's side-by-side load test, on loopback only, written into bench/RESULTS.md.
#
#   bench/load/run.sh [all|load|scale|memory|compare|signedin]  default: all (load, then scale, then memory; not compare
#                                                                 nor signedin)
#
#   load    every contender in every scenario with wrk, interleaved A B C, C B A, ... over ROUNDS rounds so machine
#           drift hits all alike; req/s, p50, p99, non-2xx and each contender's share of the no-session ceiling in
#           the same scenario, with a chart of the shares, and (issue 4) Serialized over LastWriteWins per store,
#           paired round by round.
#   scale   VisitTracker (Serialized) on SQLite and on Redis with SCALE_COOKIES against SCALE_SESSIONS stored sessions,
#           steady scenario on the same number of real cookies; the extra sessions are written straight into the
#           store (bench/load/seed.py), the rotated cookies are sessions the app issued over HTTP.
#   memory  bench/load/memory.sh (memory per stored session), when it exists; its Markdown goes into RESULTS.md.
#   compare before/after: VisitTracker built from the git ref BASELINE (git archive into the scratch folder) against
#           the working tree, uncommitted changes included. Each selected vt-* contender runs next to its twin
#           vt-*@base in the same interleaved rounds; the section gives, per store, concurrency and scenario, the median
#           over the rounds of after req/s / before req/s (each round's pair runs back to back), with min and max, the
#           p99s, and whether each median is at least MIN_RATIO. Its own defaults: ROUNDS 5, CONTENDERS '^vt-' (only
#           vt-* contenders take part), SCENARIOS "steady new".
#   signedin issue 15: the home page for SESSIONS signed-in sessions (the signedin scenario) against the same page for
#           SESSIONS anonymous ones (steady), on every store and concurrency mode, each contender's two runs back to back
#           in every round; the section gives each round's signed-in req/s over anonymous req/s, their median and range,
#           and the p99s. Its own defaults: ROUNDS 5, CONTENDERS '^vt-', SCENARIOS "steady signedin". Only VisitTracker
#           signs people in: nosession, aspnet-* and nestjs-* have no sign-in and are left out of this scenario.
#
# Each mode regenerates only its own section of bench/RESULTS.md (between "<!-- bench/load/run.sh MODE begin ..." and
# "... end -->"), so hand-written analysis elsewhere survives, and prints it too.
#
# Contenders (load; CONTENDERS is a regex over these names):
#   nosession                      VisitTracker's page (MVC + the same Handlebars view engine and views) with no
#                                  session, a fixed count: the ceiling (bench/NoSession)
#   vt-{memory,sqlite,redis}-{serialized,lastwritewins}
#                                  VisitTracker on ServerSessions, each store and concurrency mode
#   aspnet-memory, aspnet-redis    the same page on ASP.NET Core's built-in session, on AddDistributedMemoryCache or
#                                  AddStackExchangeRedisCache (bench/AspNetCoreSession)
#   nestjs-memory, nestjs-redis    the seed's NestJS app (../shared/peers/nestjs-seed, built in a scratch folder),
#                                  express-session's MemoryStore or connect-redis
# Every Redis contender gets a redis-server of its own (no persistence), every SQLite one its own database.
# ServerSessions' new-session limit (Session:NewSessionLimit, 600 a minute per client address by default) is off in every
# VisitTracker contender (Session__NewSessionLimit__PermitsPerMinute=0): wrk sends everything from one address, and the
# "new" scenario starts a session on every request.
# Scenarios (SCENARIOS): steady (SESSIONS existing sessions, each wrk thread rotating over its own share of the
# cookies), new (no cookie: every request starts a session), hot (one session, every request on it), signedin (vt-*
# only, and not in load's default: as steady, over SESSIONS sessions each signed in as a user of its own, prepared
# before timing by bench/load/signin.py through /register, /logout and the /login form with their antiforgery tokens;
# each signed-in cookie line also carries the antiforgery cookie, as the browser would send it).
# VisitTracker's sign-in limits are off in every VisitTracker contender (SignInLimits__FailuresPerAddress=0,
# SignInLimits__FailuresPerAddressAndUser=0, SignInLimits__RegistrationsPerAddress=0): the preparation registers and
# signs in SESSIONS users from one address. Its users database (Users__Path) is in the contender's scratch folder.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10] seconds per run (SECONDS=… works too)  WARMUP [2] seconds per contender and scenario
#   CONTENDERS [.] regex  SCENARIOS ["steady new hot"]  SESSIONS [200]  THREADS [2]  CONNECTIONS [50]
#   SCALE_STORES ["memory sqlite redis"]  SCALE_COOKIES [1000]  SCALE_SESSIONS [1000000]
#   RESULTS_FILE [bench/RESULTS.md] ("-": print only)  NESTJS_SEED [../shared/peers/nestjs-seed]  BASE_PORT [4100]
#   KEEP_WORK [unset: the scratch folder, with logs and wrk's outputs, is removed at exit]
#   BASELINE [none; compare needs it] a git ref  MIN_RATIO [0.95] compare's bar for the median of after / before
# Quick smoke run: ROUNDS=1 DURATION=2 WARMUP=0 CONTENDERS='nosession|vt-memory' SCENARIOS=steady RESULTS_FILE=- bench/load/run.sh load
# Before/after on every store and mode (6 pairs, 2 scenarios, 5 rounds of 10 s: 25-30 min on 2 cores):
#   BASELINE=<ref before the change> bench/load/run.sh compare
# Signed in against anonymous on every store and mode (6 contenders, 2 scenarios, 5 rounds of 10 s: about 15 min):
#   bench/load/run.sh signedin
#
# Needs: the .NET 10 SDK, wrk, redis-server and redis-cli, curl, python3; node and npm for the NestJS contenders
# (apt-get install wrk redis-server curl python3 nodejs npm).

# SECONDS is bash's clock, counting up from the value it was given: read it before anything takes time.
[[ -n ${DURATION:-} ]] || ! printenv SECONDS >/dev/null || DURATION=$SECONDS
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

mode=${1:-all}
case $mode in
  all | load | scale | memory | compare | signedin) ;;
  *) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
if [[ $mode == compare ]]; then
  rounds=${ROUNDS:-5} filter=${CONTENDERS:-^vt-} scenarios=${SCENARIOS:-steady new}
  [[ -n ${BASELINE:-} ]] || { echo "compare needs BASELINE, a git ref to build VisitTracker from (see the top of $0)" >&2; exit 2; }
  baseline_commit=$(git rev-parse --verify --quiet "$BASELINE^{commit}") || { echo "BASELINE=$BASELINE is not a commit" >&2; exit 2; }
elif [[ $mode == signedin ]]; then
  rounds=${ROUNDS:-5} filter=${CONTENDERS:-^vt-} scenarios=${SCENARIOS:-steady signedin}
else
  rounds=${ROUNDS:-3} filter=${CONTENDERS:-.} scenarios=${SCENARIOS:-steady new hot}
fi
duration=${DURATION:-10}
warmup=${WARMUP:-2}
min_ratio=${MIN_RATIO:-0.95}
scenarios=${scenarios//,/ }
sessions=${SESSIONS:-200}
threads=${THREADS:-2}
connections=${CONNECTIONS:-50}
scale_stores=${SCALE_STORES:-memory sqlite redis}
scale_stores=${scale_stores//,/ }
scale_cookies=${SCALE_COOKIES:-1000}
scale_sessions=${SCALE_SESSIONS:-1000000}
results_file=${RESULTS_FILE:-bench/RESULTS.md}
nestjs_seed=${NESTJS_SEED:-../shared/peers/nestjs-seed}
next_port=${BASE_PORT:-4100}
secret=bench-secret-at-least-32-bytes-long

all_contenders=(
  nosession
  vt-memory-serialized vt-memory-lastwritewins
  vt-sqlite-serialized vt-sqlite-lastwritewins
  vt-redis-serialized vt-redis-lastwritewins
  aspnet-memory aspnet-redis
  nestjs-memory nestjs-redis
)
declare -A kind settings
kind[nosession]=nosession
settings[nosession]=""
for store in memory sqlite redis; do
  for concurrency in Serialized LastWriteWins; do
    name=vt-$store-${concurrency,,}
    kind[$name]=visittracker
    case $store in
      # The memory store's bound (100,000) would evict the steady sessions after a few seconds of "new".
      memory) settings[$name]="Session__Store=Memory Session__Memory__MaxSessions=100000000" ;;
      sqlite) settings[$name]="Session__Store=Sqlite" ;;
      redis) settings[$name]="Session__Store=Redis Session__Redis__Configuration=@REDIS@" ;;
    esac
    settings[$name]+=" Session__Concurrency=$concurrency"
  done
done
kind[aspnet-memory]=aspnetcore
settings[aspnet-memory]="Cache=Memory"
kind[aspnet-redis]=aspnetcore
settings[aspnet-redis]="Cache=Redis Redis=@REDIS@"
kind[nestjs-memory]=nestjs
settings[nestjs-memory]=""
kind[nestjs-redis]=nestjs
settings[nestjs-redis]="REDIS_URL=redis://@REDIS@"

for tool in wrk curl python3 redis-server redis-cli dotnet; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (see the top of $0)" >&2; exit 1; }
done

work=$(mktemp -d -t bench-load.XXXXXX)
pids=()
declare -A app_pid app_port redis_of
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  app_pid=() app_port=() redis_of=()
}
cleanup() {
  stop_all
  if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
fail() {
  echo "error: $1" >&2
  [[ -n ${2:-} && -f $work/$2/app.log ]] && { echo "--- last lines of $2's log:" >&2; tail -20 "$work/$2/app.log" >&2; }
  exit 1
}

# The next loopback port nobody listens on, in $port.
take_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
}

# A redis-server of its own for contender $1, without persistence; its address in $redis_addr.
start_redis() {
  take_port
  mkdir -p "$work/$1"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$1" --daemonize no \
    >"$work/$1/redis.log" 2>&1 &
  pids+=($!)
  local _
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null 2>&1 || fail "redis-server for $1 did not start"
  redis_addr=127.0.0.1:$port
}

# Builds what the selected contenders run, in Release (each project's bin/Release/net10.0).
declare -A built
declare -A project=([visittracker]=src/VisitTracker/VisitTracker [nosession]=bench/NoSession/NoSession [aspnetcore]=bench/AspNetCoreSession/AspNetCoreSession
  [visittracker-base]=$work/base/src/VisitTracker/VisitTracker)
build() {
  [[ -z ${built[$1]:-} ]] || return 0
  case $1 in
    visittracker-base)
      log "building VisitTracker at BASELINE=$BASELINE (${baseline_commit:0:7}) in $work/base (Release)"
      mkdir -p "$work/base"
      git archive "$baseline_commit" | tar -x -C "$work/base"
      dotnet build "${project[$1]}.csproj" -c Release -nologo -v quiet >"$work/build-$1.log" 2>&1 || { cat "$work/build-$1.log" >&2; fail "build failed"; } ;;
    visittracker | nosession | aspnetcore)
      log "building ${project[$1]}.csproj (Release)"
      dotnet build "${project[$1]}.csproj" -c Release -nologo -v quiet >"$work/build-$1.log" 2>&1 || { cat "$work/build-$1.log" >&2; fail "build failed"; } ;;
    nestjs)
      command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed for the NestJS contenders"
      log "building the NestJS seed in $work/nestjs-seed (npm ci && npm run build)"
      [[ -f $nestjs_seed/package.json ]] || fail "the NestJS seed is not at $nestjs_seed (NESTJS_SEED)"
      cp -r "$nestjs_seed" "$work/nestjs-seed"
      chmod -R u+w "$work/nestjs-seed"
      (cd "$work/nestjs-seed" && npm ci --no-audit --no-fund && npm run build) >"$work/build-$1.log" 2>&1 || { tail -30 "$work/build-$1.log" >&2; fail "the NestJS seed did not build"; } ;;
  esac
  built[$1]=1
}

dll() { echo "$(dirname "${project[$1]}")/bin/Release/net10.0/$(basename "${project[$1]}").dll"; }

# Starts contender $1 (kind $2, settings $3) on a port of its own; restarting keeps its port, store and redis-server.
launch() {
  local name=$1 kind=$2 env=$3 cmd
  mkdir -p "$work/$name"
  if [[ $env == *@REDIS@* ]]; then
    [[ -n ${redis_of[$name]:-} ]] || { start_redis "$name"; redis_of[$name]=$redis_addr; }
    env=${env//@REDIS@/${redis_of[$name]}}
  fi
  [[ -n ${app_port[$name]:-} ]] || { take_port; app_port[$name]=$port; }
  local url=http://127.0.0.1:${app_port[$name]}
  case $kind in
    visittracker | visittracker-base) cmd=(dotnet "$(dll "$kind")" --urls "$url")
      env+=" Session__Secret=$secret Session__Sqlite__Path=$work/$name/sessions.db Logging__LogLevel__Default=Warning"
      # The new-session limit is off: wrk starts every session from one address. A baseline from before the limit
      # existed would refuse the setting as unknown, and has no limit to turn off.
      if [[ $kind == visittracker ]] || git cat-file -e "$baseline_commit:src/ServerSessions/NewSessionLimitOptions.cs" 2>/dev/null; then
        env+=" Session__NewSessionLimit__PermitsPerMinute=0"
      fi
      # Sign-in (issue 15): bench/load/signin.py registers and signs in every user from one address, so its limits are
      # off; the users database lives in the scratch folder. VisitTracker from before sign-in ignores these settings.
      env+=" SignInLimits__FailuresPerAddress=0 SignInLimits__FailuresPerAddressAndUser=0 SignInLimits__RegistrationsPerAddress=0"
      env+=" Users__Path=$work/$name/users.db"
      # Telemetry (issue 16) is off, as the ceiling (bench/NoSession) has none: no management port, no metrics
      # collected. VisitTracker from before issue 16 ignores the setting.
      env+=" Management__Enabled=false" ;;
    nosession) cmd=(dotnet "$(dll "$kind")" --urls "$url")
      env+=" Logging__LogLevel__Default=Warning" ;;
    aspnetcore) cmd=(dotnet "$(dll "$kind")" --urls "$url")
      env+=" Logging__LogLevel__Default=Warning" ;;
    nestjs) cmd=(node "$work/nestjs-seed/dist/main.js")
      env+=" NODE_ENV=production HOST=127.0.0.1 PORT=${app_port[$name]} SESSION_SECRET=$secret" ;;
  esac
  # shellcheck disable=SC2086 # the settings are space-separated assignments
  env $env "${cmd[@]}" >>"$work/$name/app.log" 2>&1 &
  app_pid[$name]=$!
  pids+=($!)
}

# Waits until contender $1 serves its static file, then checks that its page answers 200 with the count.
wait_ready() {
  local name=$1 url=http://127.0.0.1:${app_port[$1]} _ code
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$url/css/styles.css" && break
    kill -0 "${app_pid[$name]}" 2>/dev/null || fail "$name exited at startup" "$name"
    sleep 0.2
  done
  code=$(curl -s -o "$work/$name/page.html" -w '%{http_code}' "$url/") || true
  [[ $code == 200 ]] && grep -q 'visited this page' "$work/$name/page.html" || fail "$name did not answer its page (HTTP $code)" "$name"
}

# Stops contender $1's app (gracefully: the SQLite store checkpoints and releases its lock).
stop_app() {
  kill "${app_pid[$1]}" 2>/dev/null || true
  wait "${app_pid[$1]}" 2>/dev/null || true
}

# Writes the cookies of $2 new sessions of contender $1 to $3, one "name=value" a line (one curl, one connection).
issue_cookies() {
  local url=http://127.0.0.1:${app_port[$1]}/ args=() i
  for ((i = 0; i < $2; i++)); do args+=(-o /dev/null "$url"); done
  curl -s -D - "${args[@]}" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' >"$3"
  [[ $(wc -l <"$3") -eq $2 ]] || fail "$1 issued $(wc -l <"$3") cookies for $2 requests" "$1"
}

# One wrk run against contender $1 with the cookie file $2 ("" for none) for $3 seconds; wrk's output in $4.
drive() {
  kill -0 "${app_pid[$1]}" 2>/dev/null || fail "$1 is no longer running" "$1"
  THREADS=$threads COOKIES=$2 wrk -t"$threads" -c"$connections" -d"$3s" --latency -s bench/load/cookies.lua \
    "http://127.0.0.1:${app_port[$1]}/" >"$4" 2>&1 || true
}

# One measured run in round $round: contender $1 with the cookie file $2, wrk's output in $work/wrk/$3.txt. Appends a
# row to $4: the fields from $6 on, then wrk's, tab-separated; logs "$5: N req/s".
measure() {
  local out=$work/wrk/$3.txt fields
  drive "$1" "$2" "$duration" "$out"
  fields=$(python3 bench/load/report.py wrk <"$out")
  printf '%s\t' "${@:6}" >>"$4"
  printf '%s\n' "$fields" >>"$4"
  log "round $round/$rounds $5: $(cut -f1 <<<"$fields") req/s"
}

cookie_file() {
  case $2 in
    steady) echo "$work/$1/steady.cookies" ;;
    hot) echo "$work/$1/hot.cookies" ;;
    signedin) echo "$work/$1/signedin.cookies" ;;
    *) echo "" ;;
  esac
}

# Whether contender $1 runs scenario $2: only VisitTracker signs people in.
takes_part() {
  [[ $2 != signedin || ${kind[$1]} == visittracker* ]]
}

# Writes the cookies of $2 sessions of contender $1, each signed in as a user of its own, to $3 (bench/load/signin.py),
# and checks that the app greets the first one's user on the page the scenario requests.
sign_in_cookies() {
  local url=http://127.0.0.1:${app_port[$1]}
  python3 bench/load/signin.py "$url" "$2" "$3" 2>"$work/$1/signin.log" || { cat "$work/$1/signin.log" >&2; fail "$1: preparing the signed-in sessions failed" "$1"; }
  [[ $(wc -l <"$3") -eq $2 ]] || fail "$1: $(wc -l <"$3") signed-in sessions for $2 users" "$1"
  curl -s -H "Cookie: $(head -1 "$3")" "$url/" | grep -q 'class="greeting"' || fail "$1 does not greet a signed-in session's user" "$1"
}

versions_md() {
  local cpu ram os dotnet_rt wrk_v redis_v node_v commit
  cpu=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ {print $2; exit}' || true)
  ram=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
  os=$(. /etc/os-release && echo "$PRETTY_NAME")
  dotnet_rt=$(dotnet --list-runtimes | awk '/^Microsoft.AspNetCore.App/ {v = $2} END {print v}')
  wrk_v=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 {print $2}')
  redis_v=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
  node_v=$(node --version 2>/dev/null || echo "not installed")
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git status --porcelain 2>/dev/null) ]] || commit+=" (with uncommitted changes)"
  cat <<EOF
Machine: $(nproc) CPUs ($cpu), $ram RAM, $os (Linux $(uname -r)); .NET $dotnet_rt (SDK $(dotnet --version)), server GC;
wrk $wrk_v; redis-server $redis_v; node $node_v. Commit $commit. Load average $load_before at the start,
$(cut -d' ' -f1-3 /proc/loadavg) at the end; wrk, the apps and Redis share the cores, so compare within a scenario.
ServerSessions' new-session limit is off in every VisitTracker contender (Session__NewSessionLimit__PermitsPerMinute=0),
and so is its telemetry (Management__Enabled=false: no metrics collected, no management port), which the ceiling lacks.
Every ASP.NET Core contender, the ceiling included, runs the same page host (src/VisitTracker/VisitTrackerPage.cs):
authentication and authorization middleware and the antiforgery filter are in all of them; VisitTracker's sign-in scheme,
which reads the session, is part of its session layer.
EOF
  if awk -v n="$(nproc)" '{exit !($1 > n)}' <<<"$load_before"; then
    echo
    echo "**The machine was busy at the start** (load average ${load_before%% *} on $(nproc) CPUs): other work shared the cores, so even the shares are noisy; rerun on a quiet machine."
  fi
}

# Smoke runs are labelled as such, so they are not taken for measurements.
smoke_note() {
  if ((rounds < 3 || duration < 8)); then
    echo
    echo "**Smoke run, not a measurement** (ROUNDS=$rounds, DURATION=$duration, CONTENDERS='$filter', SCENARIOS='$scenarios'$1): run \`bench/load/run.sh\` with its defaults for the numbers to quote."
  elif [[ $filter != . || $scenarios != "steady new hot" || -n ${1:-} ]]; then
    echo
    echo "**Partial run:** only CONTENDERS='$filter' and SCENARIOS='$scenarios'$1; run \`bench/load/run.sh\` with its defaults for every contender and scenario."
  fi
}

publish() { # section, markdown file
  cat "$2"
  if [[ $results_file != - ]]; then
    python3 bench/load/report.py splice "$results_file" "$1" "$2"
    log "wrote the $1 section of $results_file"
  fi
}

# The contenders of all_contenders that CONTENDERS selects, in $contenders; checks SCENARIOS.
select_contenders() {
  local name scenario
  contenders=()
  for name in "${all_contenders[@]}"; do [[ $name =~ $filter ]] && contenders+=("$name"); done
  ((${#contenders[@]})) || fail "no contender matches CONTENDERS='$filter'"
  for scenario in $scenarios; do
    [[ $scenario =~ ^(steady|new|hot|signedin)$ ]] || fail "unknown scenario '$scenario' (steady, new, hot, signedin)"
  done
}

# Builds and starts contenders "${@:2}", issues their steady cookies, warms them up, then measures them in every
# scenario, interleaved over the rounds, into the TSV $1 (rows: round scenario contender wrk-fields). The contenders
# that lost a steady session by the end in $lost.
run_rounds() {
  local results=$1 name scenario round
  shift
  local contenders=("$@")
  for name in "${contenders[@]}"; do build "${kind[$name]}"; done
  for name in "${contenders[@]}"; do launch "$name" "${kind[$name]}" "${settings[$name]}"; done
  for name in "${contenders[@]}"; do
    wait_ready "$name"
    if [[ $name == nosession ]]; then
      : >"$work/$name/steady.cookies"   # it ignores cookies: its three scenarios are the same requests
    else
      issue_cookies "$name" "$sessions" "$work/$name/steady.cookies"
    fi
    head -1 "$work/$name/steady.cookies" >"$work/$name/hot.cookies"
    if [[ " $scenarios " == *" signedin "* ]] && takes_part "$name" signedin; then
      log "$name: registering and signing in $sessions users"
      sign_in_cookies "$name" "$sessions" "$work/$name/signedin.cookies"
    fi
  done
  log "started ${contenders[*]}"

  if ((warmup > 0)); then
    log "warming up: ${warmup}s per contender and scenario"
    for scenario in $scenarios; do
      for name in "${contenders[@]}"; do
        if takes_part "$name" "$scenario"; then drive "$name" "$(cookie_file "$name" "$scenario")" "$warmup" "$work/warmup.txt"; fi
      done
    done
  fi

  : >"$results"
  mkdir -p "$work/wrk"
  local order i
  for round in $(seq "$rounds"); do
    # Every other round runs the contenders in reverse (A B C, C B A, ...): whatever one run leaves behind for the
    # next (a GC, Redis freeing keys) falls on each contender alike.
    order=("${contenders[@]}")
    if ((round % 2 == 0)); then
      order=(); for ((i = ${#contenders[@]} - 1; i >= 0; i--)); do order+=("${contenders[i]}"); done
    fi
    if [[ $mode == signedin ]]; then
      # Each contender's scenarios back to back (in reverse order every other round too), so a round's signed-in over
      # anonymous ratio compares two runs seconds apart.
      local listed=($scenarios) round_scenarios=()
      round_scenarios=("${listed[@]}")
      if ((round % 2 == 0)); then
        round_scenarios=(); for ((i = ${#listed[@]} - 1; i >= 0; i--)); do round_scenarios+=("${listed[i]}"); done
      fi
      for name in "${order[@]}"; do
        for scenario in "${round_scenarios[@]}"; do
          takes_part "$name" "$scenario" || continue
          measure "$name" "$(cookie_file "$name" "$scenario")" "$round-$scenario-$name" "$results" "$scenario $name" "$round" "$scenario" "$name"
        done
      done
      continue
    fi
    for scenario in $scenarios; do
      for name in "${order[@]}"; do
        takes_part "$name" "$scenario" || continue
        measure "$name" "$(cookie_file "$name" "$scenario")" "$round-$scenario-$name" "$results" "$scenario $name" "$round" "$scenario" "$name"
      done
    done
  done

  # A steady session still known at the end answers without a new cookie; one that was lost would get one. A signed-in
  # session still signed in is greeted.
  local headers
  lost=()
  for name in "${contenders[@]}"; do
    [[ $name != nosession ]] || continue
    headers=$(curl -s -D - -o /dev/null -H "Cookie: $(head -1 "$work/$name/steady.cookies")" "http://127.0.0.1:${app_port[$name]}/" || true)
    if grep -qi '^set-cookie:' <<<"$headers"; then lost+=("$name"); fi
    if [[ -s $work/$name/signedin.cookies ]] && ! curl -s -H "Cookie: $(head -1 "$work/$name/signedin.cookies")" "http://127.0.0.1:${app_port[$name]}/" | grep -q 'class="greeting"'; then
      lost+=("$name (signed in)")
    fi
  done
}

run_load() {
  local contenders lost results=$work/load.tsv
  select_contenders
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  run_rounds "$results" "${contenders[@]}"

  local md=$work/load.md
  {
    echo "## Side by side (issue 5): ServerSessions, ASP.NET Core's session, the NestJS seed, no session"
    echo
    echo "Generated by \`bench/load/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); rerun it rather than editing this section."
    smoke_note ""
    echo
    echo "Command: \`ROUNDS=$rounds DURATION=$duration WARMUP=$warmup SESSIONS=$sessions$([[ $filter != . ]] && echo " CONTENDERS='$filter'")$([[ $scenarios != "steady new hot" ]] && echo " SCENARIOS='$scenarios'") bench/load/run.sh load\`:"
    echo "each contender in Release on its own loopback port, driven by \`wrk -t$threads -c$connections -d${duration}s --latency -s bench/load/cookies.lua http://127.0.0.1:<port>/\`,"
    echo "interleaved (every contender in turn, scenario by scenario, round after round, in reverse order every other round) after ${warmup}s of warm-up per contender and scenario."
    echo "Steady rotates $sessions sessions the app issued (each wrk thread its own share), new sends no cookie, hot sends one cookie on every request."
    echo "Medians over the rounds; shares are of \`nosession\` (VisitTracker's page with no session) in the same scenario."
    echo
    versions_md
    echo
    echo "Contenders: \`nosession\` bench/NoSession; \`vt-<store>-<concurrency>\` VisitTracker (ServerSessions, Memory store unbounded here),"
    echo "\`aspnet-memory\`/\`aspnet-redis\` bench/AspNetCoreSession (AddSession on AddDistributedMemoryCache / AddStackExchangeRedisCache, LoadAsync first),"
    echo "\`nestjs-memory\`/\`nestjs-redis\` the seed's NestJS app (express-session MemoryStore / connect-redis). Each Redis contender has a redis-server of its own, without persistence; SQLite runs with \`synchronous=NORMAL\`."
    echo
    python3 bench/load/report.py load "$results" nosession "${contenders[@]}"
    if [[ " $scenarios " == *" signedin "* && " $scenarios " == *" steady "* ]]; then
      echo
      echo "Signed in (\`signedin\`, VisitTracker only) against anonymous (\`steady\`), round by round (\`bench/load/run.sh signedin\` runs each pair back to back):"
      echo
      python3 bench/load/report.py signedin "$results"
    fi
    if ((${#lost[@]})); then
      echo
      echo "**Warning:** steady sessions were lost during the run (a steady cookie got a new session at the end, or a signed-in one was no longer signed in): ${lost[*]}."
    fi
  } >"$md"
  publish load "$md"
  stop_all
}

# The app reads a seeded session as one with one visit: its next visit is the second.
check_seeded() {
  local id cookie
  id=$(head -1 "$work/$1/seeded")
  cookie=$(python3 bench/load/seed.py cookie "$secret" "$id")
  curl -s -H "Cookie: $cookie" "http://127.0.0.1:${app_port[$1]}/" | grep -q 'visited this page 2 times' \
    || fail "$1 does not read the seeded session $id" "$1"
}

# Sends $2 requests without a cookie to contender $1 (each stores a new session), then stops wrk (bench/load/count.lua).
fill_new_visitors() {
  local marker=$work/$1/filled out=$work/$1/fill.txt wrk_pid
  : >"$marker"
  wrk -t"$threads" -c"$connections" -d1h -s bench/load/count.lua "http://127.0.0.1:${app_port[$1]}/" -- $(($2 / threads)) "$marker" >"$out" 2>&1 &
  wrk_pid=$!
  while (( $(wc -l <"$marker") < threads )); do
    kill -0 "$wrk_pid" 2>/dev/null || { cat "$out" >&2; fail "wrk ended early while filling $1" "$1"; }
    sleep 0.2
  done
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  ! grep -q 'Non-2xx' "$out" || { cat "$out" >&2; fail "non-2xx answers while filling $1" "$1"; }
  log "$1: $(awk '/requests in/ {print $1}' "$out") new visits"
}

run_scale() {
  local stores=() store size name round
  for store in $scale_stores; do
    [[ $store =~ ^(memory|sqlite|redis)$ ]] || fail "unknown scale store '$store' (memory, sqlite, redis)"
    stores+=("$store")
  done
  ((scale_sessions > scale_cookies)) || fail "SCALE_SESSIONS ($scale_sessions) must be more than SCALE_COOKIES ($scale_cookies)"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  build visittracker

  local sizes=("$scale_cookies" "$scale_sessions")
  for store in "${stores[@]}"; do
    local env="Session__Store=Sqlite"
    [[ $store == redis ]] && env="Session__Store=Redis Session__Redis__Configuration=@REDIS@"
    [[ $store == memory ]] && env="Session__Store=Memory Session__Memory__MaxSessions=$((scale_sessions * 2))"
    for size in "${sizes[@]}"; do
      name=scale-$store-$size
      launch "$name" visittracker "$env Session__Concurrency=Serialized"
      wait_ready "$name"
      issue_cookies "$name" "$scale_cookies" "$work/$name/steady.cookies"
      local extra=$((size - scale_cookies))
      case $store in
        memory)
          # The store lives in the process: fill it with new visitors over HTTP.
          if ((extra > 0)); then
            log "adding $extra sessions to $name through new visits"
            fill_new_visitors "$name" "$extra"
          fi ;;
        sqlite)
          # The store owns its file while the app runs: stop it, add the rows, start it again (both sizes, alike).
          stop_app "$name"
          if ((extra > 0)); then
            log "seeding $extra sessions into $name's SQLite database"
            python3 bench/load/seed.py sqlite "$work/$name/sessions.db" "$extra" 2>"$work/$name/seeded"
          fi
          launch "$name" visittracker "$env Session__Concurrency=Serialized"
          wait_ready "$name"
          ((extra == 0)) || check_seeded "$name"
          log "$name: $(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM sessions").fetchone()[0])' "$work/$name/sessions.db") stored sessions" ;;
        redis)
          local redis_port=${redis_of[$name]##*:}
          if ((extra > 0)); then
            log "seeding $extra sessions into $name's redis-server"
            python3 bench/load/seed.py redis "$extra" 2>"$work/$name/seeded" | redis-cli -p "$redis_port" --pipe >"$work/$name/seed.log" 2>&1 \
              || { cat "$work/$name/seed.log" >&2; fail "seeding Redis failed"; }
            check_seeded "$name"
          fi
          log "$name: $(redis-cli -p "$redis_port" dbsize) keys" ;;
      esac
    done
  done

  if ((warmup > 0)); then
    log "warming up: ${warmup}s each"
    for store in "${stores[@]}"; do
      for size in "${sizes[@]}"; do drive "scale-$store-$size" "$work/scale-$store-$size/steady.cookies" "$warmup" "$work/warmup.txt"; done
    done
  fi

  local results=$work/scale.tsv
  : >"$results"
  mkdir -p "$work/wrk"
  for round in $(seq "$rounds"); do
    for store in "${stores[@]}"; do
      for size in "${sizes[@]}"; do
        name=scale-$store-$size
        measure "$name" "$work/$name/steady.cookies" "$round-$name" "$results" "$name" "$round" "$size" "$store"
      done
    done
  done

  local md=$work/scale.md note=""
  ((scale_cookies == 1000 && scale_sessions == 1000000)) || note=", SCALE_COOKIES=$scale_cookies, SCALE_SESSIONS=$scale_sessions"
  {
    echo "## Scale (issue 5): $scale_cookies against $scale_sessions stored sessions, VisitTracker Serialized"
    echo
    echo "Generated by \`bench/load/run.sh scale\` on $(date -u '+%Y-%m-%d %H:%M UTC'); rerun it rather than editing this section."
    if ((rounds < 3 || duration < 8)) || [[ -n $note ]]; then
      echo
      echo "**Smoke or partial run, not a measurement** (ROUNDS=$rounds, DURATION=$duration$note): run \`bench/load/run.sh scale\` with its defaults for the numbers to quote."
    fi
    echo
    echo "Command: \`ROUNDS=$rounds DURATION=$duration WARMUP=$warmup SCALE_STORES='${stores[*]}' SCALE_COOKIES=$scale_cookies SCALE_SESSIONS=$scale_sessions bench/load/run.sh scale\`:"
    echo "one VisitTracker per store and size, the steady scenario over $scale_cookies sessions the app issued over HTTP"
    echo "(\`wrk -t$threads -c$connections -d${duration}s --latency -s bench/load/cookies.lua\`), interleaved over the rounds. The other"
    echo "$((scale_sessions - scale_cookies)) sessions of the large store are written straight into it by \`bench/load/seed.py\` (one visit each,"
    echo "random IDs in random order, expiring in a day): SQLite rows with the app stopped, Redis keys in connect-redis's layout with \`redis-cli --pipe\`;"
    echo "the Memory store, which lives in the process, gets them as new visits over HTTP (\`bench/load/count.lua\`)."
    echo
    versions_md
    echo
    python3 bench/load/report.py scale "$results"
  } >"$md"
  publish scale "$md"
  stop_all
}

run_memory() {
  if [[ -f bench/load/memory.sh ]]; then
    log "running bench/load/memory.sh"
    bash bench/load/memory.sh >"$work/memory.md" || fail "bench/load/memory.sh failed"
    publish memory "$work/memory.md"
  else
    log "bench/load/memory.sh is not there yet: the memory section is left as it is"
  fi
}

# Each selected vt-* contender and its twin on VisitTracker built from BASELINE, side by side in the same rounds.
run_compare() {
  local contenders lost results=$work/compare.tsv pairs=() name subject
  select_contenders
  for name in "${contenders[@]}"; do
    [[ $name == vt-* ]] || continue
    kind[$name@base]=visittracker-base
    settings[$name@base]=${settings[$name]}
    pairs+=("$name" "$name@base")
  done
  ((${#pairs[@]})) || fail "compare runs vt-* contenders only: none matches CONTENDERS='$filter'"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  run_rounds "$results" "${pairs[@]}"

  local md=$work/compare.md
  {
    echo "## Before and after: VisitTracker built from \`$BASELINE\` against the working tree"
    echo
    echo "Generated by \`bench/load/run.sh compare\` on $(date -u '+%Y-%m-%d %H:%M UTC'); rerun it rather than editing this section."
    if ((rounds < 5 || duration < 10)); then
      echo
      echo "**Smoke or partial run, not a measurement** (ROUNDS=$rounds, DURATION=$duration): run \`BASELINE=$BASELINE bench/load/run.sh compare\` with its defaults for the numbers to quote."
    fi
    echo
    echo "Command: \`BASELINE=$BASELINE ROUNDS=$rounds DURATION=$duration WARMUP=$warmup SESSIONS=$sessions$([[ $filter != '^vt-' ]] && echo " CONTENDERS='$filter'")$([[ $scenarios != "steady new" ]] && echo " SCENARIOS='$scenarios'") bench/load/run.sh compare\`."
    subject=$(git log -1 --format=%s "$baseline_commit")
    ((${#subject} <= 80)) || subject="${subject:0:79}…"
    echo "Before (\`<contender>@base\`): VisitTracker at ${baseline_commit:0:7} (\"$subject\"), built in a scratch folder from \`git archive\`;"
    echo "after: the working tree (commit below). Each contender runs next to its twin, back to back (A A@base B B@base ..., reversed every other round),"
    echo "each on its own loopback port, store and redis-server, driven by \`wrk -t$threads -c$connections -d${duration}s --latency -s bench/load/cookies.lua\` after ${warmup}s of warm-up."
    echo "Steady rotates $sessions sessions each app issued, new sends no cookie, hot sends one cookie on every request."
    echo "The ratio is each round's after req/s over the same round's before req/s; the median of those ratios, their range, the rounds' ratios;"
    echo "p99s are medians over the rounds (the p99 ratio is the median of each round's after p99 over before p99: above 1 is slower)."
    echo
    versions_md
    echo
    python3 bench/load/report.py compare "$results" "$min_ratio"
    if ((${#lost[@]})); then
      echo
      echo "**Warning:** steady sessions were lost during the run (a steady cookie got a new session at the end): ${lost[*]}."
    fi
  } >"$md"
  publish compare "$md"
  stop_all
}

# Issue 15: each selected vt-* contender's home page for signed-in sessions against anonymous ones, paired by round.
run_signedin() {
  local contenders lost results=$work/signedin.tsv picked=() name
  select_contenders
  for name in "${contenders[@]}"; do
    if takes_part "$name" signedin; then picked+=("$name"); fi
  done
  ((${#picked[@]})) || fail "signedin runs VisitTracker (vt-*) contenders only: none matches CONTENDERS='$filter'"
  [[ " $scenarios " == *" steady "* && " $scenarios " == *" signedin "* ]] || fail "signedin pairs the steady and signedin scenarios: SCENARIOS='$scenarios' lacks one"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  run_rounds "$results" "${picked[@]}"

  local md=$work/signedin.md
  {
    echo "## Signed in against anonymous (issue 15): the home page, VisitTracker on every store"
    echo
    echo "Generated by \`bench/load/run.sh signedin\` on $(date -u '+%Y-%m-%d %H:%M UTC'); rerun it rather than editing this section."
    if ((rounds < 5 || duration < 10)) || [[ $filter != '^vt-' || $scenarios != "steady signedin" || $sessions != 200 ]]; then
      echo
      echo "**Smoke or partial run, not a measurement** (ROUNDS=$rounds, DURATION=$duration, CONTENDERS='$filter', SESSIONS=$sessions): run \`bench/load/run.sh signedin\` with its defaults for the numbers to quote."
    fi
    echo
    echo "Command: \`ROUNDS=$rounds DURATION=$duration WARMUP=$warmup SESSIONS=$sessions$([[ $filter != '^vt-' ]] && echo " CONTENDERS='$filter'")$([[ $scenarios != "steady signedin" ]] && echo " SCENARIOS='$scenarios'") bench/load/run.sh signedin\`:"
    echo "each contender in Release on its own loopback port, store and redis-server, driven by \`wrk -t$threads -c$connections -d${duration}s --latency -s bench/load/cookies.lua\`"
    echo "after ${warmup}s of warm-up per scenario. Anonymous (\`steady\`): $sessions sessions the app issued, one visit each. Signed in (\`signedin\`):"
    echo "$sessions sessions, each signed in as a user of its own before timing (\`bench/load/signin.py\`: \`/register\`, \`/logout\`, then a first visit"
    echo "and the \`/login\` form, antiforgery tokens included), so both scenarios request the same page on as many sessions, one visit"
    echo "stored in each; the signed-in page adds the greeting and the sign-out form, whose antiforgery token it renders on every visit (each signed-in"
    echo "session also sends the antiforgery cookie its login form set, as a browser does). Each wrk thread rotates over its own share of the cookies."
    echo "Each contender's two runs are back to back in every round (which goes first alternates); the ratio is each round's signed-in req/s over the"
    echo "same round's anonymous req/s. VisitTracker's sign-in limits are off (\`SignInLimits__…=0\`). Only VisitTracker signs people in:"
    echo "\`nosession\`, \`aspnet-*\` and \`nestjs-*\` have no sign-in and take no part."
    echo
    versions_md
    echo
    python3 bench/load/report.py signedin "$results"
    if ((${#lost[@]})); then
      echo
      echo "**Warning:** sessions were lost during the run (a steady cookie got a new session at the end, or a signed-in one was no longer signed in): ${lost[*]}."
    fi
  } >"$md"
  publish signedin "$md"
  stop_all
}

case $mode in
  load) run_load ;;
  signedin) run_signedin ;;
  compare) run_compare ;;
  scale) run_scale ;;
  memory) run_memory ;;
  all) run_load; run_scale; run_memory ;;
esac
