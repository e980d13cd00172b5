#!/usr/bin/env bash
# Benchmark harness. In ONE run on this machine it times, each RUNS times (default 3),
# median wall time and peak RSS:
#   floors  (a) floor_calamine: only reads every cell of the batch with calamine,
#           (i) floor_inflate:  only inflates the batch's sheet XML and counts its `<row`s,
#           (q) floor_quickxml: (i) and quick-xml's bare event loop over the pieces, on every
#                               core: the least a reader bound to quick-xml spends,
#           (b) floor_csv:      only reads every record of the snapshot with csv's ByteRecord;
#   (c)     cpbatch validate BATCH --evs SNAPSHOT --format csv --out DIR.
# Workloads and the targets they are held to (issue 13):
#   W2     the 10,000-row batch:                 c/b <= 0.9
#   W1     the 1,048,575-row batch, as the generator writes it (inline strings) and as an
#          office suite saves it (b1m-office.xlsx: shared strings, styles):
#                                                c/(i+b) <= 4, peak RSS <= 1 GB
#   GZ     W1 with a gzip snapshot (evs.csv.gz, gzip -1) against the plain one:  <= 1.1 x
#   X1     W1 --format csv,xlsx against --format csv, on both workbooks: <= 1.3 x, <= +100 MB
#   WATCH  cpbatch watch (issue 12): without a roster over the whole snapshot against (b),
#          and with a 10,000-row roster (the W2 batch) against validate of that batch.
#
#   bash bench/run.sh [W1|W2|GZ|X1|WATCH|ALL]   data is made under bench/data/ on first use
# A measurement made once in a run is reused (W1 --format csv for GZ and X1, the floors).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DATA=${DATA:-bench/data}
WHICH=${1:-ALL}
cargo build --quiet --release --bin cpbatch --example gen_data --example floor_calamine \
  --example floor_csv --example floor_inflate --example floor_quickxml
BIN=target/release
mkdir -p "$DATA"
[ -f "$DATA/evs.csv" ] || $BIN/examples/gen_data snapshot "$DATA/evs.csv" --members 2500000
[ -f "$DATA/b10k.xlsx" ] || $BIN/examples/gen_data batch "$DATA/b10k.xlsx" --rows 10000
[ -f "$DATA/b1m.xlsx" ] || $BIN/examples/gen_data batch "$DATA/b1m.xlsx" --rows 1048575
# The watch's own snapshot: 2.5 million members of whom about 2 % have a CP, as SPEC 7 has
# it (evs.csv gives a CP to far more, about 645,000 members).
[ -f "$DATA/watch/evs.csv" ] || $BIN/examples/gen_data watch "$DATA/watch" --members 2500000

# The W1 rows as an office suite saves them: LibreOffice headless (installed if it can be;
# the conversion took 186 s on this machine), made once and kept. Without it, the office
# workloads are left out, and said so.
OFFICE="$DATA/b1m-office.xlsx"
office_copy() {
  [ -f "$OFFICE" ] && return 0
  if ! command -v soffice >/dev/null; then
    echo "soffice missing: installing libreoffice-calc-nogui" >&2
    { apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui; } >/dev/null 2>&1 || true
  fi
  if ! command -v soffice >/dev/null; then
    echo "NOTE: no LibreOffice (soffice), and it could not be installed: $OFFICE not made," \
      "the office-suite workloads are left out" >&2
    return 1
  fi
  local dir started
  dir=$(mktemp -d)
  started=$(date +%s)
  echo "converting $DATA/b1m.xlsx with LibreOffice (about 3 minutes)..." >&2
  if soffice -env:UserInstallation=file:///tmp/lo-profile --headless --convert-to xlsx \
      --outdir "$dir" "$DATA/b1m.xlsx" >/dev/null 2>&1 && [ -f "$dir/b1m.xlsx" ]; then
    mv "$dir/b1m.xlsx" "$OFFICE"
    echo "made $OFFICE in $(( $(date +%s) - started )) s" >&2
  else
    echo "NOTE: LibreOffice could not convert $DATA/b1m.xlsx: the office-suite workloads" \
      "are left out" >&2
  fi
  rm -rf "$dir"
  [ -f "$OFFICE" ]
}
# The W1 workbooks: name and file.
W1_BOOKS=("W1:$DATA/b1m.xlsx")
case "$WHICH" in
  W1 | X1 | ALL) office_copy && W1_BOOKS+=("W1-office:$OFFICE") ;;
esac
case "$WHICH" in
  GZ | ALL)
    if [ ! -f "$DATA/evs.csv.gz" ]; then
      gzip -1 -c "$DATA/evs.csv" >"$DATA/evs.csv.gz.part" && mv "$DATA/evs.csv.gz.part" "$DATA/evs.csv.gz"
    fi ;;
esac

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

# `measure`, once per run for a given KEY: later calls give the first one's result.
MEASURED=$(mktemp -d)
trap 'rm -rf "$MEASURED"' EXIT
measure_once() {
  local key=${1//\//_}; shift
  [ -f "$MEASURED/$key" ] || measure "$@" >"$MEASURED/$key"
  cat "$MEASURED/$key"
}
floor_a() { measure_once "a-$1" $BIN/examples/floor_calamine "$2"; }
floor_i() { measure_once "i-$1" $BIN/examples/floor_inflate "$2"; }
floor_q() { measure_once "q-$1" $BIN/examples/floor_quickxml "$2"; }
floor_b() { measure_once "b-${1:-evs.csv}" $BIN/examples/floor_csv "$DATA/${1:-evs.csv}"; }
# cpbatch validate: NAME BATCH FORMAT [SNAPSHOT]; the reports go to $DATA/out-NAME-FORMAT.
validate() {
  local name=$1 batch=$2 format=$3 evs=${4:-evs.csv}
  measure_once "c-$name-$format-$evs" $BIN/cpbatch validate "$batch" --evs "$DATA/$evs" \
    --as-of 2026-11-23 --format "$format" --out "$DATA/out-$name-${format/,/-}" --quiet
}
stages() {
  python3 -c "import json,sys;print('  stages (ms):', json.load(open(sys.argv[1]))['timings_ms'])" \
    "$DATA/out-$1-csv/summary.json"
}

# A workload: NAME BATCH ROWS. Prints the floors, cpbatch, the ratios and their targets.
workload() {
  local name=$1 batch=$2 rows=$3
  local a i q b c
  a=$(floor_a "$name" "$batch")
  i=$(floor_i "$name" "$batch")
  q=$(floor_q "$name" "$batch")
  b=$(floor_b)
  c=$(validate "$name" "$batch" csv)
  python3 - "$name" "$rows" "$a" "$i" "$b" "$c" "$q" <<'PY'
import sys
name, rows = sys.argv[1], int(sys.argv[2])
# Walls are read to 0.01 s (at least that, so that a tiny data set divides).
(aw, am), (iw, im), (bw, bm), (cw, cm), (qw, qm) = [
    (max(float(w), 0.01), float(m)) for w, m in (s.split() for s in sys.argv[3:8])]
def check(value, target, unit=""):
    return f"(target <= {target}{unit}: {'ok' if value <= target else 'OVER'})"
print(f"{name}: {rows:,} rows  (median of runs; peak RSS)")
print(f"  (a) calamine floor   {aw:7.2f} s  {am:6.0f} MB")
print(f"  (i) inflate floor    {iw:7.2f} s  {im:6.0f} MB")
print(f"  (q) quick-xml floor  {qw:7.2f} s  {qm:6.0f} MB")
print(f"  (b) csv floor        {bw:7.2f} s  {bm:6.0f} MB")
print(f"  (c) cpbatch          {cw:7.2f} s  {cm:6.0f} MB   {rows / cw:,.0f} rows/s")
print(f"  c/(a+b) = {cw / (aw + bw):.2f}   c/b = {cw / bw:.2f}", end="")
print(f" {check(cw / bw, 0.9)}" if rows < 100_000 else "")
if rows >= 100_000:
    print(f"  c/(i+b) = {cw / (iw + bw):.2f} {check(cw / (iw + bw), 4)}   "
          f"peak RSS {cm:.0f} MB {check(cm, 1024, ' MB')}")
    print(f"  q/(i+b) = {qw / (iw + bw):.2f} (quick-xml's loop alone)   c/(q+b) = {cw / (qw + bw):.2f}")
PY
  stages "$name"
}

# The workbook reports against the csv-only run (X1), on the same batch and snapshot.
reports() {
  local name=$1 batch=$2 csv xlsx
  csv=$(validate "$name" "$batch" csv)
  xlsx=$(validate "$name" "$batch" csv,xlsx)
  python3 - "$name" "$csv" "$xlsx" <<'PY'
import sys
name = sys.argv[1]
(cw, cm), (xw, xm) = [(max(float(w), 0.01), float(m)) for w, m in (s.split() for s in sys.argv[2:4])]
ok = lambda good: "ok" if good else "OVER"
print(f"X1 {name}: --format csv {cw:.2f} s {cm:.0f} MB;  csv,xlsx {xw:.2f} s {xm:.0f} MB")
print(f"  xlsx/csv wall = {xw / cw:.2f} (target <= 1.3: {ok(xw / cw <= 1.3)})   "
      f"RSS +{xm - cm:.0f} MB (target <= +100: {ok(xm - cm <= 100)})")
PY
}

# W1 with the gzip snapshot against the plain one (GZ).
gzip_snapshot() {
  local plain gz b
  plain=$(validate W1 "$DATA/b1m.xlsx" csv)
  gz=$(validate W1-gz "$DATA/b1m.xlsx" csv evs.csv.gz)
  b=$(floor_b)
  python3 - "$plain" "$gz" "$b" <<'PY'
import sys
(pw, pm), (gw, gm), (bw, bm) = [
    (max(float(w), 0.01), float(m)) for w, m in (s.split() for s in sys.argv[1:4])]
print(f"GZ: W1 with evs.csv {pw:.2f} s {pm:.0f} MB;  with evs.csv.gz (gzip -1) {gw:.2f} s {gm:.0f} MB")
print(f"  gz/plain wall = {gw / pw:.2f} (target <= 1.1: {'ok' if gw / pw <= 1.1 else 'OVER'})"
      f"   (b) csv floor of evs.csv {bw:.2f} s")
PY
}

# Issue 12: cpbatch watch.
watch_bench() {
  local b w r v
  b=$(floor_b)
  w=$(measure $BIN/cpbatch watch --evs "$DATA/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-watch" --quiet)
  r=$(measure $BIN/cpbatch watch --evs "$DATA/evs.csv" --roster "$DATA/b10k.xlsx" \
        --as-of 2026-11-23 --format csv --out "$DATA/out-watch-roster" --quiet)
  v=$(validate W2 "$DATA/b10k.xlsx" csv)
  local b2 w2
  b2=$(floor_b watch/evs.csv)
  w2=$(measure $BIN/cpbatch watch --evs "$DATA/watch/evs.csv" --as-of 2026-11-23 \
        --format csv --out "$DATA/out-watch-2pc" --quiet)
  python3 - "$b" "$w" "$r" "$v" "$b2" "$w2" "$DATA/out-watch/watch-summary.json" \
      "$DATA/out-watch-2pc/watch-summary.json" <<'PY'
import json, sys
(bw, bm), (ww, wm), (rw, rm), (vw, vm), (b2w, b2m), (w2w, w2m) = [
    (max(float(w), 0.01), float(m)) for w, m in (s.split() for s in sys.argv[1:7])]
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

w1() { for book in "${W1_BOOKS[@]}"; do workload "${book%%:*}" "${book#*:}" 1048575; done; }
x1() { for book in "${W1_BOOKS[@]}"; do reports "${book%%:*}" "${book#*:}"; done; }
case "$WHICH" in
  W1) w1 ;;
  W2) workload W2 "$DATA/b10k.xlsx" 10000 ;;
  GZ) gzip_snapshot ;;
  X1) x1 ;;
  WATCH) watch_bench ;;
  *) workload W2 "$DATA/b10k.xlsx" 10000; w1; gzip_snapshot; x1; watch_bench ;;
esac
