#!/usr/bin/env bash
# Runs every test in the solution, first installing what the tests need when it is missing, and ends with the
# totals alone on the last line: "N passed, N failed". Exits non-zero when a test failed or none ran.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The browser test drives Debian's Chromium (Playwright's own browser downloads are never used); the Redis tests start
# redis-server, and redis-cli for a cluster, from the PATH on free ports. One apt-get update for whatever is missing.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: ${missing[*]} missing; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # Keep the packages from starting services while installing (policy-rc.d exit 101, Debian's way): redis-server's
  # would listen on 6379 for good, and without an init system starting it could fail the install.
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  status=0
  apt-get install -y "${missing[@]}" || status=$?
  if [[ -n $created_policy ]]; then rm -f "$policy"; fi
  if (( status != 0 )); then exit "$status"; fi
fi

# The interop tests run the seed's NestJS app beside VisitTracker: install its pinned packages and build it when
# node_modules/ or dist/ is missing, or the lockfile (npm ci leaves node_modules/.package-lock.json) or a source is newer.
nest=tests/interop/nestjs-app
if [[ ! -f $nest/node_modules/.package-lock.json || $nest/package-lock.json -nt $nest/node_modules/.package-lock.json
      || ! -f $nest/dist/main.js || -n $(find "$nest/src" -newer "$nest/dist/main.js" -print -quit) ]]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "test.sh: node and npm are missing; the interop tests need them to build and run $nest (Node.js 20 or later)" >&2
    exit 1
  fi
  (cd "$nest" && npm ci --no-audit --no-fund && npm run build)
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A hung test is killed after 5 minutes and reported, so the run always ends.
set +e
dotnet test ServerSessions.slnx --configuration Release \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 5m --blame-hang-dump-type none 2>&1 </dev/null | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Each test assembly ends its report with "Total tests: N" and "Passed: N" lines, and "Failed: N" if any failed.
read -r passed failed < <(awk '
  /^[[:space:]]+Passed:[[:space:]]+[0-9]+[[:space:]]*$/ { passed += $2 }
  /^[[:space:]]+Failed:[[:space:]]+[0-9]+[[:space:]]*$/ { failed += $2 }
  END { print passed + 0, failed + 0 }' "$log")

# An assembly whose run was aborted (a hung test killed by --blame-hang-timeout) reports no totals: count it as a
# failure so the closing line never looks clean.
aborted=$(grep -c "Test Run Aborted" "$log" || true)
if (( aborted > 0 )); then
  echo "test.sh: $aborted test run(s) aborted (a test hung or the host crashed); see the output above" >&2
  failed=$((failed + aborted))
fi

echo "$passed passed, $failed failed"
if (( status != 0 || failed > 0 || passed == 0 )); then
  exit 1
fi
