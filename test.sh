#!/usr/bin/env bash
# Runs every test in the solution, first installing what the tests need when it is missing, and ends with the totals
# alone on the last line, whatever ends it: "N passed, N failed". Exits non-zero when a test failed; when a test assembly
# did not build, ran no tests or was aborted (a hung test killed, a crashed test host), each counted as one failure;
# and when something it needs is missing or could not be installed, or the build failed ("0 passed, 1 failed").
#
# One build, then three runs of it: every test; then the clock tests (xunit trait Clock=Real: the Redis, lease and expiry
# tests) twice more, the test process seeing the clock 400 days behind and then 400 days ahead (libfaketime), while
# redis-server keeps the real clock (tests/ServerSessions.Testing/RedisProcess.cs drops libfaketime from its environment).
# A test that only passes on the date it was written fails one of those. The totals sum the three runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

passed=0
failed=0
policy=/usr/sbin/policy-rc.d
created_policy=

# Every exit ends here: the totals are the last line, and an exit that counted no failure (a missing prerequisite, an
# install or build failure, an unexpected error) counts as one.
finish() {
  local status=$?
  trap - EXIT
  if [[ -n $created_policy ]]; then rm -f "$policy"; fi
  if (( status == 0 && (failed > 0 || passed == 0) )); then status=1; fi
  if (( status != 0 && failed == 0 )); then failed=1; fi
  echo "$passed passed, $failed failed"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "test.sh: $*" >&2
  exit 1
}

nest=tests/interop/nestjs-app
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1
# No MSBuild node outlives the build, so the test runs start their own (under faketime when they should).
export MSBUILDDISABLENODEREUSE=1

# --- What the tests need ------------------------------------------------------------------------------------------
# Not installed here: the .NET SDK that global.json names, and Node.js 20 or later with npm (the interop tests build and
# run the seed's NestJS app with them). Installed here with apt-get when missing (Debian 12): chromium (the browser
# test drives Debian's Chromium, never Playwright's downloads), redis-server (the Redis tests start redis-server from
# the PATH on free ports) and faketime (the runs with the clock moved).
problems=()
if ! command -v dotnet >/dev/null; then
  problems+=("the .NET SDK is missing: install the .NET 10 SDK (https://dotnet.microsoft.com/download)")
elif ! sdk=$(dotnet --version 2>&1 </dev/null); then
  problems+=("no .NET SDK that global.json accepts (10.0.100 or a later 10.0 SDK): install the .NET 10 SDK. dotnet said: $(head -n 1 <<<"$sdk")")
fi

node_version=$(node --version 2>/dev/null </dev/null || true)
npm_version=$(npm --version 2>/dev/null </dev/null || true)
# 20.19 and 22.12: the first of each to require() an ES module unflagged, as the app's CommonJS build does with
# @nestjs/passport 12.
node_major=${node_version#v}
node_minor=${node_major#*.}
node_major=${node_major%%.*}
node_minor=${node_minor%%.*}
if [[ ! $node_major =~ ^[0-9]+$ || ! $node_minor =~ ^[0-9]+$ ]] || (( node_major < 20 || (node_major == 20 && node_minor < 19) || node_major == 21 || (node_major == 22 && node_minor < 12) )) \
    || [[ -z $npm_version ]]; then
  problems+=("Node.js 20.19 or later with npm is needed to build and run $nest (found: ${node_version:+node }${node_version:-no node}, ${npm_version:+npm }${npm_version:-no npm}): install Node.js 20.19 or later with npm; Debian 12's own nodejs package is 18 and ships without npm")
fi

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v faketime >/dev/null || missing+=(faketime)
if (( ${#missing[@]} > 0 )) && [[ $(id -u) -ne 0 ]]; then
  problems+=("missing Debian packages: ${missing[*]}; install them as root (./test.sh does when run as root): apt-get install ${missing[*]}")
elif (( ${#missing[@]} > 0 )) && ! command -v apt-get >/dev/null; then
  problems+=("missing Debian packages: ${missing[*]}, and there is no apt-get to install them with: install what provides /usr/bin/chromium, redis-server and faketime")
fi

if (( ${#problems[@]} > 0 )); then
  for problem in "${problems[@]}"; do echo "test.sh: $problem" >&2; done
  fail "cannot run the tests until the above is fixed"
fi

if (( ${#missing[@]} > 0 )); then
  echo "== installing ${missing[*]} =="
  export DEBIAN_FRONTEND=noninteractive
  apt-get update </dev/null || fail "apt-get update failed (see above), so ${missing[*]} could not be installed"
  # Keep the packages from starting services while installing (policy-rc.d exit 101, Debian's way): redis-server's
  # would listen on 6379 for good, and without an init system starting it could fail the install. finish() removes it.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  status=0
  apt-get install -y "${missing[@]}" </dev/null || status=$?
  if [[ -n $created_policy ]]; then rm -f "$policy"; created_policy=; fi
  (( status == 0 )) || fail "apt-get install ${missing[*]} failed with exit code $status (see above)"
  for command in /usr/bin/chromium redis-server faketime; do
    command -v "$command" >/dev/null || fail "$command is still missing after apt-get install ${missing[*]}"
  done
fi

# --- The NestJS app ---------------------------------------------------------------------------------------------------
# Install its pinned packages and build it when node_modules/ or dist/ is missing, or the lockfile (npm ci leaves
# node_modules/.package-lock.json) or a source is newer.
if [[ ! -f $nest/node_modules/.package-lock.json || $nest/package-lock.json -nt $nest/node_modules/.package-lock.json
      || ! -f $nest/dist/main.js || -n $(find "$nest/src" -newer "$nest/dist/main.js" -print -quit) ]]; then
  echo "== building $nest: npm ci && npm run build =="
  (cd "$nest" && npm ci --no-audit --no-fund </dev/null && npm run build </dev/null) \
    || fail "building $nest failed (npm ci && npm run build; see above)"
fi

# --- Build once -------------------------------------------------------------------------------------------------------
echo "== build: dotnet build ServerSessions.slnx --configuration Release =="
started=$SECONDS
dotnet build ServerSessions.slnx --configuration Release </dev/null || fail "the build failed (see the errors above)"
echo "test.sh: built in $((SECONDS - started)) s"

# The test projects of the solution (tests/*/*.Tests.csproj, not their support library tests/ServerSessions.Testing):
# each must report results in every run.
mapfile -t assemblies < <(sed -n 's|.*Path="tests/[^"]*/\([^/"]*\.Tests\)\.csproj".*|\1|p' ServerSessions.slnx)
(( ${#assemblies[@]} > 0 )) || fail "no test project (tests/…/*.Tests.csproj) found in ServerSessions.slnx"

# Each run writes one TRX file per test assembly here (TestResults/ is ignored by git).
results=TestResults/test.sh
rm -rf "$results"

# A counter of the TRX file's summary (total, executed, passed, failed, …); 0 when absent.
trx_counter() {
  local value
  value=$(grep -m 1 -o "<Counters [^>]*" "$1" | grep -o " $2=\"[^\"]*\"" | cut -d '"' -f 2 || true)
  [[ $value =~ ^[0-9]+$ ]] && echo "$value" || echo 0
}

# The test assembly a TRX file is about: from a test's code base, else from xunit's "Discovering: X" line (an assembly
# whose host crashed before reporting a test), else from vstest's "No test matches the given testcase filter … in X.dll"
# or "No test is available in X.dll"; empty when nothing names it.
trx_assembly() {
  local name
  name=$(grep -m 1 -o 'codeBase="[^"]*"' "$1" | cut -d '"' -f 2 || true)
  [[ -n $name ]] || name=$(grep -m 1 -o 'Discovering: [^ <]*' "$1" | cut -d ' ' -f 2 || true)
  [[ -n $name ]] || name=$(grep -m 1 -o 'No test [^<]* in [^ <]*\.dll' "$1" | grep -o '[^ /]*$' || true)
  name=${name##*/}
  echo "${name%.dll}"
}

# run_tests NUMBER HEADING FILTER OFFSET_DAYS: one `dotnet test --no-build` over the solution, FILTER (empty: every
# test) with the test process's clock OFFSET_DAYS days off (0: the real clock); adds what the TRX files say to the totals.
run_tests() {
  local number=$1 heading=$2 filter=$3 offset=$4
  local name=run$number
  local -a command=(dotnet test ServerSessions.slnx --configuration Release --no-build
    --logger "console;verbosity=normal" --logger "trx;LogFilePrefix=$name" --results-directory "$results/$name"
    --blame-hang-timeout 5m --blame-hang-dump-type none)
  if [[ -n $filter ]]; then command+=(--filter "$filter"); fi
  if (( offset != 0 )); then
    # Without FAKETIME_DONT_FAKE_MONOTONIC: libfaketime then moves the monotonic clock consistently, so every wait (Sleep,
    # Task.Delay, timeouts) takes its real time under .NET; with it set, blocking waits return at once and vstest fails.
    command=(env -u FAKETIME_DONT_FAKE_MONOTONIC faketime -f "$(printf '%+d' "$offset")d" "${command[@]}")
  fi

  echo
  echo "== run $number of 3: $heading =="
  local started=$SECONDS real_start
  real_start=$(date +%s)
  local status=0
  "${command[@]}" </dev/null || status=$?
  local elapsed=$((SECONDS - started))

  # What each assembly reported, from its TRX file: counters and run-level errors.
  local run_passed=0 run_failed=0 run_executed=0 trx assembly executed bad errors summary=
  local -A executed_by=() broken=()
  shopt -s nullglob
  local -a files=("$results/$name"/*.trx)
  shopt -u nullglob
  for trx in "${files[@]}"; do
    assembly=$(trx_assembly "$trx")
    executed=$(trx_counter "$trx" executed)
    bad=0
    for counter in failed error timeout aborted; do
      bad=$((bad + $(trx_counter "$trx" "$counter")))
    done
    run_passed=$((run_passed + $(trx_counter "$trx" passed)))
    run_failed=$((run_failed + bad))
    run_executed=$((run_executed + executed))
    if [[ -n $assembly ]]; then
      executed_by[$assembly]=$(( ${executed_by[$assembly]:-0} + executed ))
    fi

    # Run-level errors other than xunit's "[FAIL]" lines for failed tests (counted above): an aborted run (a hang
    # killed by --blame-hang-timeout, a crashed test host) or a test platform error. The assembly's results are
    # incomplete: one failure.
    errors=$(awk '/<RunInfo [^>]*outcome="Error"/ { error = 1; next }
                  error && /<Text>/ { sub(/.*<Text>/, ""); sub(/<\/Text>.*/, ""); if ($0 !~ /\[FAIL\][[:space:]]*$/) print; error = 0 }' "$trx")
    if [[ -n $errors ]] && grep -q 'The specified inactivity time of' "$trx"; then
      errors="a test hung, and --blame-hang-timeout killed the test host: $errors"
    fi
    if [[ -n $errors ]]; then
      if [[ -n $assembly ]]; then
        echo "test.sh: run $number: $assembly was aborted or did not run to the end: $errors" >&2
        broken[$assembly]=1
        run_failed=$((run_failed + 1))
      else
        # A run that failed before naming its assembly (say, the test platform failed to start): the check of every
        # assembly below counts it, as one that reported no results.
        echo "test.sh: run $number: a test run failed before naming its assembly ($trx): $errors" >&2
      fi
    fi
  done

  # Every test assembly reports, and runs tests, in every run: each has Clock=Real tests too, so a filtered run that
  # finds none in an assembly means its tests lost the trait, or were not discovered.
  for assembly in "${assemblies[@]}"; do
    if [[ -z ${executed_by[$assembly]+set} ]]; then
      echo "test.sh: run $number: $assembly reported no results: it did not build, or its test run never started (see the output above)" >&2
      run_failed=$((run_failed + 1))
    elif (( ${executed_by[$assembly]} == 0 )) && [[ -z ${broken[$assembly]+set} ]]; then
      echo "test.sh: run $number: $assembly ran no tests${filter:+ matching '$filter'} (see the output above)" >&2
      run_failed=$((run_failed + 1))
    fi
    summary+="${summary:+, }$assembly ${executed_by[$assembly]:-0}"
  done

  # The clock really was moved: the test host stamps each result with its clock (startTime in the TRX).
  if (( offset != 0 && run_executed > 0 )); then
    local stamp stamped moved
    stamp=$(cat "${files[@]}" | grep -m 1 -o '<UnitTestResult [^>]*' | grep -o ' startTime="[^"]*"' | cut -d '"' -f 2 || true)
    stamped=$(date -d "$stamp" +%s 2>/dev/null || echo 0)
    moved=$((stamped - real_start))
    if [[ -z $stamp ]] || (( moved < offset * 86400 - 120 || moved > offset * 86400 + elapsed + 120 )); then
      echo "test.sh: run $number: a test started at '$stamp' by the test host's clock, $moved s from the real clock's start of the run, not $offset days: faketime did not reach the test host" >&2
      run_failed=$((run_failed + 1))
    fi
  fi

  if (( status != 0 && run_failed == 0 )); then
    echo "test.sh: run $number: dotnet test exited with code $status, though no test failed (see the output above)" >&2
    run_failed=1
  fi

  echo "test.sh: run $number: $run_passed passed, $run_failed failed (tests run: $summary) in $((elapsed / 60))m$((elapsed % 60))s"
  passed=$((passed + run_passed))
  failed=$((failed + run_failed))
}

run_tests 1 "every test, on the real clock" "" 0
run_tests 2 "clock tests (Clock=Real), test process clock 400 days behind" "Clock=Real" -400
run_tests 3 "clock tests (Clock=Real), test process clock 400 days ahead" "Clock=Real" 400

if (( failed > 0 )); then
  echo "test.sh: failures above; each run's TRX files are in $results/" >&2
fi
