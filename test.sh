#!/usr/bin/env bash
# Runs every test in the solution, first installing what the tests need when it is missing, and ends with the
# totals alone on the last line: "N passed, N failed". Exits non-zero when a test failed or none ran.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The browser test drives Debian's Chromium; Playwright's own browser downloads are never used.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: /usr/bin/chromium is missing; install it as root: apt-get install chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium
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

echo "$passed passed, $failed failed"
if (( status != 0 || failed > 0 || passed == 0 )); then
  exit 1
fi
