#!/usr/bin/env bash
# Benchmark harness (issue 3): in ONE run on this machine, times
#   (a) floor_calamine: only reads every cell of the batch with calamine,
#   (b) floor_csv:      only reads every record of the snapshot with csv's ByteRecord,
#   (c) cpbatch validate BATCH --evs SNAPSHOT --format csv --out DIR,
# each RUNS times (default 3), and prints the median wall time, peak RSS and c/(a+b), c/b.
#
# and (issue 4) the W1 run with the workbook reports against the csv-only one;
# and (issue 12) cpbatch watch: without a roster over the whole snapshot against (b)
# (target <= 1.2 x, peak RSS < 200 MB), and with a 10,000-row roster (the W2 batch, read as
# a roster) against validate of that batch.
#
#   bash bench/run.sh [W1|W2|X1|WATCH|ALL]   data is generated under bench/data/ on first use
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DATA=${DATA:-bench/data}
WHICH=${1:-ALL}
cargo build --quiet --release --bin cpbatch --example gen_data --example floor_calamine --example floor_csv
BIN=target/release
mkdir -p "$DATA"
[ -f "$DATA/evs.csv" ] || $BIN/examples/gen_data snapshot "$DATA/evs.csv" --members 2500000
[ -f "$DATA/b10k.xlsx" ] || $BIN/examples/gen_data batch "$DATA/b10k.xlsx" --rows 10000
[ -f "$DATA/b1m.xlsx" ] || $BIN/examples/gen_data batch "$DATA/b1m.xlsx" --rows 1048575
# The watch's own snapshot: 2.5 million members of whom about 2 % have a CP, as SPEC 7 has
# it (evs.csv gives a CP to far more, about 645,000 members).
[ -f "$DATA/watch/evs.csv" ] || $BIN/examples/gen_data watch "$DATA/watch" --members 2500000

# median wall seconds and max RSS (MB) of RUNS runs of a command
measure() {
  local walls=() rss=() out stats
  stats=$(mktemp)
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$stats" -f "%e %M" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$stats")
    walls+=("${out% *}"); rss+=("${out#* }")
  done
  rm -f "$stats"
  local wall; wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  local peak; peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  echo "$wall $((peak / 1024))"
}

workload() {
  local name=$1 batch=$2 rows=$3 format=${4:-csv}
  local a b c
  a=$(measure $BIN/examples/floor_calamine "$batch")
  b=$(measure $BIN/examples/floor_csv "$DATA/evs.csv")
  c=$(measure $BIN/cpbatch validate "$batch" --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format "$format" --out "$DATA/out-$name" --quiet)
  python3 - "$name" "$rows" "$a" "$b" "$c" <<'PY'
import sys
name, rows = sys.argv[1], int(sys.argv[2])
(aw, am), (bw, bm), (cw, cm) = [tuple(float(x) for x in s.split()) for s in sys.argv[3:6]]
print(f"{name}: {rows} rows  (median of runs; peak RSS)")
print(f"  (a) calamine floor   {aw:7.2f} s  {am:6.0f} MB")
print(f"  (b) csv floor        {bw:7.2f} s  {bm:6.0f} MB")
print(f"  (c) cpbatch          {cw:7.2f} s  {cm:6.0f} MB   {rows / cw:,.0f} rows/s")
print(f"  c/(a+b) = {cw / (aw + bw):.2f}   c/b = {cw / bw:.2f}")
PY
  python3 -c "import json;print('  stages (ms):', json.load(open('$DATA/out-$name/summary.json'))['timings_ms'])"
}

# Issue 4: the workbook reports against the csv-only run, on the same batch and snapshot.
reports() {
  local name=$1 batch=$2 csv xlsx
  csv=$(measure $BIN/cpbatch validate "$batch" --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-$name-csv" --quiet)
  xlsx=$(measure $BIN/cpbatch validate "$batch" --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format csv,xlsx --out "$DATA/out-$name-xlsx" --quiet)
  python3 - "$name" "$csv" "$xlsx" <<'PY'
import sys
name = sys.argv[1]
(cw, cm), (xw, xm) = [tuple(float(x) for x in s.split()) for s in sys.argv[2:4]]
print(f"{name} reports: --format csv {cw:.2f} s {cm:.0f} MB;  csv,xlsx {xw:.2f} s {xm:.0f} MB")
print(f"  xlsx/csv wall = {xw / cw:.2f}   RSS +{xm - cm:.0f} MB")
PY
}

# Issue 12: cpbatch watch.
watch_bench() {
  local b w r v
  b=$(measure $BIN/examples/floor_csv "$DATA/evs.csv")
  w=$(measure $BIN/cpbatch watch --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-watch" --quiet)
  r=$(measure $BIN/cpbatch watch --evs "$DATA/evs.csv" --roster "$DATA/b10k.xlsx" \
        --as-of 2026-11-23 --format csv --out "$DATA/out-watch-roster" --quiet)
  v=$(measure $BIN/cpbatch validate "$DATA/b10k.xlsx" --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-W2" --quiet)
  local b2 w2
  b2=$(measure $BIN/examples/floor_csv "$DATA/watch/evs.csv")
  w2=$(measure $BIN/cpbatch watch --evs "$DATA/watch/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-watch-2pc" --quiet)
  python3 - "$b" "$w" "$r" "$v" "$b2" "$w2" "$DATA/out-watch/watch-summary.json" \
      "$DATA/out-watch-2pc/watch-summary.json" <<'PY'
import json, sys
(bw, bm), (ww, wm), (rw, rm), (vw, vm), (b2w, b2m), (w2w, w2m) = [
    tuple(float(x) for x in s.split()) for s in sys.argv[1:7]]
counts, counts2 = [json.load(open(p))["counts"] for p in sys.argv[7:9]]
print("WATCH: (median of runs; peak RSS)")
print(f"  evs.csv: (b) csv floor         {bw:7.2f} s  {bm:6.0f} MB")
print(f"  watch, no roster               {ww:7.2f} s  {wm:6.0f} MB   watch/b = {ww / bw:.2f}")
print(f"      {counts['watched']:,} watched, {counts['proposed']:,} proposed, {counts['review']:,} to review")
print(f"  watch/evs.csv (2 % CP): (b)    {b2w:7.2f} s  {b2m:6.0f} MB")
print(f"  watch, no roster               {w2w:7.2f} s  {w2m:6.0f} MB   watch/b = {w2w / b2w:.2f}")
print(f"      {counts2['watched']:,} watched, {counts2['proposed']:,} proposed, {counts2['review']:,} to review")
print(f"  watch --roster (10,000 rows)   {rw:7.2f} s  {rm:6.0f} MB")
print(f"  validate (10,000 rows)         {vw:7.2f} s  {vm:6.0f} MB   roster/validate = {rw / vw:.2f}")
PY
}

case "$WHICH" in
  W1) workload W1 "$DATA/b1m.xlsx" 1048575 ;;
  W2) workload W2 "$DATA/b10k.xlsx" 10000 ;;
  X1) reports W1 "$DATA/b1m.xlsx" ;;
  WATCH) watch_bench ;;
  *) workload W2 "$DATA/b10k.xlsx" 10000; workload W1 "$DATA/b1m.xlsx" 1048575
     reports W1 "$DATA/b1m.xlsx"; watch_bench ;;
esac
