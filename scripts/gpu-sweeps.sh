#!/bin/bash
# Reference results on a machine with a real GPU: `lab bench` against PyTorch on CUDA, then the four sweeps at one
# budget as parallel shards (tiny models leave a big GPU mostly idle, so several processes share it), each stopped
# after SECONDS_FOR_SWEEPS, merged per sweep. Every record is written after each run, so a stopped sweep keeps what
# finished. Results go to RESULTS_DIR (and RESULTS_DIR.tgz).
#
#   scripts/gpu-sweeps.sh LAB_BINARY RESULTS_DIR [BUDGET=medium] [SECONDS_FOR_SWEEPS=480]
#
# Nothing here may wait on a process that never ends: no `tee` into a process substitution, since bash's bare `wait`
# waits for those too (that lost a whole run once).
set -u
lab=$(realpath "$1"); dir=$2; budget=${3:-medium}; seconds=${4:-480}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir" && cd "$dir" || exit 1
pack() { tar czf "$dir.tgz" -C "$dir" . && echo "results in $dir.tgz"; }
trap pack EXIT

date -u > info.txt
nvidia-smi -L >> info.txt 2>&1
if ! timeout 60 "$lab" device > device.txt 2>&1; then
    echo "no GPU adapter: $(tail -n 1 device.txt)"; exit 1
fi
cat info.txt device.txt
timeout 150 "$lab" bench --backend gpu --device cuda --sizes 0.2M,1M,10M --steps 20 \
    --pytorch-script "$repo/tests/reference/bench_pytorch.py" > bench.txt 2>&1
echo "bench exit $?"; cat bench.txt

# Shards per sweep, roughly by its cost.
declare -A shards=([isoflop]=4 [shape]=2 [lr]=2 [batch]=2)
for kind in "${!shards[@]}"; do
    n=${shards[$kind]}
    for k in $(seq 1 "$n"); do
        timeout "$seconds" "$lab" sweep "$kind" --budget "$budget" --backend gpu --quiet --shard "$k/$n" \
            --out "$kind-$k.json" > "$kind-$k.log" 2>&1 &
    done
done
wait
for kind in "${!shards[@]}"; do
    parts=$(ls "$kind"-[0-9]*.json 2>/dev/null)
    [ -n "$parts" ] && "$lab" sweep "$kind" --budget "$budget" --merge $parts --out "$kind-$budget.json" | head -n 1
done
