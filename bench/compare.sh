#!/bin/bash
# bench/compare.sh OLD NEW: runs two cpbatch binaries on the demo and bench/data/b10k.xlsx
# (with and without --evs, scan and index, and both in one run) and compares every output
# (reports, --junit, stdout, stderr, exit status; summary files without timings).
#
# bench/compare.sh --readers BIN: runs one binary with each sheet reader
# (CPBATCH_SHEET_READER=calamine, =whole, and the default, in pieces) on the demo,
# bench/data/b10k.xlsx, b1m.xlsx and b1m-office.xlsx (--evs, --format csv,xlsx) and checks
# that every output is byte-identical across the readers, compared as above.
# BOOKS="demo k10" picks some of demo, k10, w1, w1-office; DATA=DIR reads another bench/data.
#
# bench/run.sh makes bench/data first (W1 makes b1m-office.xlsx).
set -u
cd "$(dirname "$0")/.."
DATA=$(realpath "${DATA:-bench/data}")
EVS=$DATA/evs.csv
D=$(mktemp -d); echo "outputs in $D"
status=0

# Runs BIN (with the environment ENV, a VAR=value or "") as LABEL of NAME, then strips the
# timings from its summary files.
output() { # name label bin env args...
  local name=$1 label=$2 bin=$3 env=$4; shift 4
  local out=$D/$name-$label
  env -u CPBATCH_SHEET_READER $env "$bin" validate "$@" --out "$out" --junit "$out.xml" >"$out.stdout" 2>"$out.stderr"
  echo $? >"$out.rc"
  for f in "$out"/summary.json "$out"/*/summary.json "$out"/run-summary.json; do
    [ -f "$f" ] && python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
def strip(x):
    if isinstance(x,dict): return {k:strip(v) for k,v in x.items() if k not in ('timings','timings_ms')}
    if isinstance(x,list): return [strip(v) for v in x]
    return x
json.dump(strip(d),open(sys.argv[1],'w'),indent=1,sort_keys=True)" "$f"
  done
}

# Whether two outputs (files or folders) are identical: both missing (a refused run writes
# no reports), or the same bytes.
identical() { { [ ! -e "$1" ] && [ ! -e "$2" ]; } || diff -r "$1" "$2" >/dev/null 2>&1; }

# Whether the outputs of NAME as labels A and B are identical; says so.
same() { # name a b
  local name=$1 a=$D/$1-$2 b=$D/$1-$3 suffix
  for suffix in "" .stdout .stderr .rc .xml; do
    identical "$a$suffix" "$b$suffix" || break
  done
  if identical "$a$suffix" "$b$suffix"; then
    echo "$name: $3 identical to $2 ($(ls -R "$b" 2>/dev/null | grep -c '\.') files, rc $(cat "$b.rc"))"
  else
    echo "$name: $3 DIFFERENT from $2 (${suffix:-the reports})"
    diff -r "$a$suffix" "$b$suffix" 2>&1 | head -5
    status=1
  fi
}

if [ "${1:-}" = --readers ]; then
  BIN=$(realpath "${2:?binary}")
  for book in ${BOOKS:-demo k10 w1 w1-office}; do
    case $book in
      demo) args=(fixtures/demo/batch.xlsx --evs fixtures/demo/evs.csv) ;;
      k10) args=("$DATA/b10k.xlsx" --evs "$EVS") ;;
      w1) args=("$DATA/b1m.xlsx" --evs "$EVS") ;;
      w1-office) args=("$DATA/b1m-office.xlsx" --evs "$EVS") ;;
      *) echo "unknown book $book"; exit 2 ;;
    esac
    if [ ! -f "${args[0]}" ]; then
      echo "$book: ${args[0]} missing (bench/run.sh makes it)"; status=1; continue
    fi
    for reader in calamine whole pieces; do
      env=CPBATCH_SHEET_READER=$reader
      [ $reader = pieces ] && env=
      output "$book" $reader "$BIN" "$env" "${args[@]}" --as-of 2026-11-23 --format csv,xlsx
    done
    before=$status
    same "$book" calamine whole
    same "$book" calamine pieces
    # The W1 outputs are large: kept only when they differ.
    case $book in w1*) [ $status = "$before" ] && rm -rf "$D/$book"-* ;; esac
  done
  exit $status
fi

OLD=$(realpath "${1:?old binary}"); NEW=$(realpath "${2:?new binary}")
B10K=$DATA/b10k.xlsx
run() { # name args...
  local name=$1; shift
  output "$name" old "$OLD" "" "$@"
  output "$name" new "$NEW" "" "$@"
  same "$name" old new
}
run demo fixtures/demo/batch.xlsx --evs fixtures/demo/evs.csv --as-of 2026-11-23
run demo-noevs fixtures/demo/batch.xlsx --as-of 2026-11-23
run k10 $B10K --evs $EVS --as-of 2026-11-23
run k10-noevs $B10K --as-of 2026-11-23
run k10-index $B10K --evs $EVS --as-of 2026-11-23 --evs-read index
run multi fixtures/demo/batch.xlsx $B10K --evs $EVS --as-of 2026-11-23
exit $status
