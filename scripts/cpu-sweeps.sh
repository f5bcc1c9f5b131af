#!/bin/bash
# Reference sweeps on the CPU backend: each sweep shared between one `lab sweep` process per core (--shard K/N),
# one sweep after another, every run kept as it finishes (--resume), then each sweep's shards merged.
# Re-running the same command after an interruption continues where it stopped.
#
#   scripts/cpu-sweeps.sh LAB_BINARY RESULTS_DIR "KIND BUDGET" ["KIND BUDGET" ...]
#   e.g. scripts/cpu-sweeps.sh target/release/lab runs "lr small" "isoflop small" "batch medium"
#
# SEEDS (default 1) and SHARDS (default: the number of cores) come from the environment. The processes run at
# nice 19, so the machine stays usable; the merged records are RESULTS_DIR/KIND-BUDGET.json.
set -u
[ $# -ge 3 ] || { sed -n 2,10p "$0"; exit 2; }
lab=$(realpath "$1"); dir=$2; shift 2
seeds=${SEEDS:-1}; shards=${SHARDS:-$(nproc)}
mkdir -p "$dir" && cd "$dir" || exit 1

shard() { # one core's share of every sweep, in order
    local k=$1 job
    for job in "${jobs[@]}"; do
        set -- $job
        nice -n 19 "$lab" sweep "$1" --budget "$2" --seeds "$seeds" --backend cpu --quiet --shard "$k/$shards" \
            --resume --out "$1-$2-$k.json" >> "$1-$2-$k.log" 2>&1 || echo "$1 $2 shard $k: exit $? (see $1-$2-$k.log)"
    done
}
jobs=("$@")
for k in $(seq 1 "$shards"); do shard "$k" & done
wait
for job in "${jobs[@]}"; do
    set -- $job
    parts=$(for k in $(seq 1 "$shards"); do echo "$1-$2-$k.json"; done)
    "$lab" sweep "$1" --budget "$2" --seeds "$seeds" --merge $parts --out "$1-$2.json" | head -n 1
done
