#!/bin/bash
# bench/ab.sh OLD NEW: two cpbatch binaries run interleaved (old, new, old, new…) on W2 and W1
# of bench/data, --format csv: median wall time and peak RSS of each, and new/old.
# WORKLOADS="W1:b1m.xlsx" RUNS=5 bash bench/ab.sh … picks the workloads and runs.
cd "$(dirname "$0")/.."; D=$PWD/bench/data; RUNS=${RUNS:-3}; OLD=$(realpath "${1:?old binary}"); NEW=$(realpath "${2:?new binary}")
T=$(mktemp -d)
for w in ${WORKLOADS:-W2:b10k.xlsx W1:b1m.xlsx}; do
  name=${w%%:*}; batch=$D/${w#*:}
  for bin in old new; do : > $T/bc-$name-$bin; done
  for i in $(seq $RUNS); do
    for bin in old new; do
      exe=$OLD; [ $bin = new ] && exe=$NEW
      /usr/bin/time -f "%e %M" -o $T/bc-t $exe validate $batch --evs $D/evs.csv --as-of 2026-11-23 --format csv --out $T/bc-out-$bin --quiet >/dev/null 2>&1
      tail -1 $T/bc-t >> $T/bc-$name-$bin
    done
  done
  python3 - $name $T <<'PY'
import sys, statistics
n, t = sys.argv[1], sys.argv[2]
r={}
for b in ('old','new'):
    rows=[tuple(map(float,l.split())) for l in open(f'{t}/bc-{n}-{b}')]
    r[b]=(statistics.median(x for x,_ in rows), max(m for _,m in rows)/1024, [x for x,_ in rows])
print(f"{n}: old {r['old'][0]:.2f} s {r['old'][1]:.0f} MB {r['old'][2]}; new {r['new'][0]:.2f} s {r['new'][1]:.0f} MB {r['new'][2]}; new/old {r['new'][0]/r['old'][0]:.2f}")
PY
done
