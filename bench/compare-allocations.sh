#!/usr/bin/env bash
# Allocated bytes per operation of the micro benchmarks (bench/ServerSessions.Benchmarks), a baseline git ref against
# the working tree, as a Markdown table on stdout (progress on stderr).
#
#   bench/compare-allocations.sh BASE_REF [FILTER...]        default FILTER: '*MiddlewareBenchmarks*'
#
# The baseline is BASE_REF's tree (git archive into a scratch folder, so no worktree is registered); "after" is this
# working tree, uncommitted changes included. By default both sides run THIS tree's benchmark code (the baseline's
# src/ with bench/ServerSessions.Benchmarks copied over it), so a benchmark added since BASE_REF is measured on both
# sides; when that code does not build against the baseline (an API it uses changed), the baseline falls back to its
# own benchmark code, and the table says so. BenchmarkDotNet's JSON exporter gives the exact bytes (its summary rounds
# to 0.01 KB); the Dry job measures one cold operation (first-call allocations included), so the default is Short.
# Not quite exact: the same code measured twice gave ServerSessions 10,728 or 10,744 B (a 16-B object now and then)
# and BuiltInSession 13,639-14,053 B; NoSession (TestServer alone) was always 9,096 B.
#
# Environment (defaults in brackets):
#   JOB [short]  ROUNDS [1]: runs per side, alternating baseline and working tree; with more than one, each cell is the
#   median with the range.  BENCH_CODE [head]: "base" runs each side's own benchmark code.  KEEP_WORK [unset]
#   BDN_ARGS [unset]: more BenchmarkDotNet arguments, e.g. --inProcess (no build of BenchmarkDotNet's launcher project
#   per run, 20-70 s here; the same bytes for ServerSessions in a trial, but one process for every benchmark)
# Example: ROUNDS=2 bench/compare-allocations.sh main       (the five MiddlewareBenchmarks: 10-12 min on 2 busy cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

(($# >= 1)) || { sed -n '2,/^set/p' "${BASH_SOURCE[0]}" | sed '$d' >&2; exit 2; }
base_ref=$1
shift
filters=("$@")
((${#filters[@]})) || filters=('*MiddlewareBenchmarks*')
job=${JOB:-short}
read -ra bdn_args <<<"${BDN_ARGS:-}"
rounds=${ROUNDS:-1}
bench_code=${BENCH_CODE:-head}
[[ $bench_code =~ ^(head|base)$ ]] || { echo "BENCH_CODE is head or base, not '$bench_code'" >&2; exit 2; }
base_commit=$(git rev-parse --verify --quiet "$base_ref^{commit}") || { echo "not a commit: $base_ref" >&2; exit 2; }
project=bench/ServerSessions.Benchmarks

work=$(mktemp -d -t alloc-compare.XXXXXX)
cleanup() { if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

build() { # project directory, log name
  dotnet build "$1/ServerSessions.Benchmarks.csproj" -c Release -nologo -v quiet >"$work/build-$2.log" 2>&1
}

base_label=$base_ref
[[ $(git rev-parse --short "$base_commit") == "$base_ref"* ]] || base_label+=" ($(git rev-parse --short "$base_commit"))"
log "baseline: $base_label: $(git log -1 --format=%s "$base_commit" | cut -c1-100)"
mkdir -p "$work/base"
git archive "$base_commit" | tar -x -C "$work/base"
code_note="both sides run the working tree's benchmark code"
if [[ $bench_code == head ]]; then
  rm -rf "${work:?}/base/$project"
  mkdir -p "$work/base/$project"
  tar -C "$project" --exclude=./bin --exclude=./obj --exclude=./BenchmarkDotNet.Artifacts -cf - . | tar -x -C "$work/base/$project"
fi
log "building the baseline's benchmarks"
if ! build "$work/base/$project" base; then
  [[ $bench_code == head ]] || { cat "$work/build-base.log" >&2; echo "the baseline's benchmarks did not build" >&2; exit 1; }
  log "the working tree's benchmark code does not build against $base_ref (errors in $work/build-base.log); using the baseline's own"
  cp "$work/build-base.log" "$work/build-base-head-code.log"
  rm -rf "${work:?}/base/$project"
  git archive "$base_commit" "$project" | tar -x -C "$work/base"
  build "$work/base/$project" base || { cat "$work/build-base.log" >&2; echo "the baseline's benchmarks did not build" >&2; exit 1; }
  code_note="the working tree's benchmark code did not build against the baseline: each side runs its own"
fi
[[ $bench_code == head ]] || code_note="each side runs its own benchmark code (BENCH_CODE=base)"
log "building the working tree's benchmarks"
build "$project" head || { cat "$work/build-head.log" >&2; echo "the working tree's benchmarks did not build" >&2; exit 1; }

declare -A dir=([base]="$work/base/$project" [head]="$project")
for round in $(seq "$rounds"); do
  for side in base head; do
    out=$work/results/$side-$round
    mkdir -p "$out"
    log "round $round/$rounds: $side: ${filters[*]} (--job $job)"
    dotnet "${dir[$side]}/bin/Release/net10.0/ServerSessions.Benchmarks.dll" --filter "${filters[@]}" --job "$job" \
      --exporters json --artifacts "$out" "${bdn_args[@]}" >"$out.log" 2>&1 || { tail -30 "$out.log" >&2; echo "the $side run failed" >&2; exit 1; }
    compgen -G "$out/results/*.json" >/dev/null || { tail -30 "$out.log" >&2; echo "no benchmark matched ${filters[*]} ($side)" >&2; exit 1; }
  done
done

head_commit=$(git rev-parse --short HEAD)
[[ -z $(git status --porcelain) ]] || head_commit+=" with uncommitted changes"
python3 - "$work/results" "$rounds" "$base_label" "$head_commit" "$job" "$code_note" "${filters[@]}" <<'EOF'
import glob, json, os, statistics, sys

results, rounds, base, head, job, code_note, filters = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7], sys.argv[7:]
values = {}  # benchmark -> side -> [bytes per operation], in BenchmarkDotNet's order
for side in ("base", "head"):
    for path in sorted(glob.glob(os.path.join(results, f"{side}-*", "results", "*.json"))):
        for b in json.load(open(path))["Benchmarks"]:
            allocated = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
            if allocated is not None:
                name = b["FullName"].removeprefix("ServerSessions.Benchmarks.")
                values.setdefault(name, {}).setdefault(side, []).append(allocated)


def cell(xs):
    if not xs:
        return "—"
    text = f"{statistics.median(xs):,.0f}"
    return text + (f" ({min(xs):,}–{max(xs):,})" if min(xs) != max(xs) else "")


print(f"Allocated bytes per operation, {base} before, the working tree ({head}) after: BenchmarkDotNet `--job {job}`,")
print(f"filter {' '.join(f'`{f}`' for f in filters)}, {rounds} run{'s' if rounds > 1 else ''} per side"
      f"{' (median, range)' if rounds > 1 else ''}; {code_note}.")
print()
print("| benchmark | before B/op | after B/op | change |")
print("|---|--:|--:|--:|")
for name, sides in values.items():
    before, after = sides.get("base", []), sides.get("head", [])
    change = "—"
    if before and after:
        b, a = statistics.median(before), statistics.median(after)
        change = "0" if a == b else f"{a - b:+,.0f} B ({(a - b) / b:+.1%})"
    print(f"| {name} | {cell(before)} | {cell(after)} | {change} |")
EOF
