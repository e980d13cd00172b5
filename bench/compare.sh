#!/bin/bash
# bench/compare.sh OLD NEW: runs two cpbatch binaries on the demo and bench/data/b10k.xlsx
# (with and without --evs, scan and index, and both in one run) and compares every output
# (reports, --junit, stdout, stderr, exit status; summary files without timings).
# bench/run.sh makes bench/data first.
set -u
OLD=$(realpath "${1:?old binary}"); NEW=$(realpath "${2:?new binary}")
D=$(mktemp -d); echo "outputs in $D"

cd "$(dirname "$0")/.."
B10K=$PWD/bench/data/b10k.xlsx; EVS=$PWD/bench/data/evs.csv
status=0
run() { # name args...
  local name=$1; shift
  for v in old new; do
    bin=$OLD; [ $v = new ] && bin=$NEW
    $bin validate "$@" --out $D/$name-$v --junit $D/$name-$v.xml > $D/$name-$v.stdout 2> $D/$name-$v.stderr; echo $? > $D/$name-$v.rc
    for f in $D/$name-$v/summary.json $D/$name-$v/*/summary.json $D/$name-$v/run-summary.json; do
      [ -f $f ] && python3 -c "
import json,sys
d=json.load(open('$f'))
def strip(x):
    if isinstance(x,dict): return {k:strip(v) for k,v in x.items() if k not in ('timings','timings_ms')}
    if isinstance(x,list): return [strip(v) for v in x]
    return x
json.dump(strip(d),open('$f','w'),indent=1,sort_keys=True)"
    done
  done
  if diff -r $D/$name-old $D/$name-new >/dev/null && cmp -s $D/$name-old.stdout $D/$name-new.stdout && cmp -s $D/$name-old.rc $D/$name-new.rc && cmp -s $D/$name-old.xml $D/$name-new.xml && cmp -s $D/$name-old.stderr $D/$name-new.stderr; then
    echo "$name: identical ($(ls -R $D/$name-new | grep -c '\.'), rc $(cat $D/$name-new.rc))"
  else echo "$name: DIFFERENT"; diff -r $D/$name-old $D/$name-new | head -5; status=1; fi
}
run demo fixtures/demo/batch.xlsx --evs fixtures/demo/evs.csv --as-of 2026-11-23
run demo-noevs fixtures/demo/batch.xlsx --as-of 2026-11-23
run k10 $B10K --evs $EVS --as-of 2026-11-23
run k10-noevs $B10K --as-of 2026-11-23
run k10-index $B10K --evs $EVS --as-of 2026-11-23 --evs-read index
run multi fixtures/demo/batch.xlsx $B10K --evs $EVS --as-of 2026-11-23
exit $status
