#!/bin/bash
# The engine's speed on a machine with a real GPU, in one prepared call of under 6 minutes: the adapter, `lab bench` at
# 0.2M, 1M and 10M parameters against PyTorch on CUDA as its users run it (SDPA attention, fused AdamW; eager and
# torch.compile columns), and `profile_step` (per-kernel GPU time, GFLOP/s, GB/s) at the 1M and 10M presets.
# Everything goes into OUT_DIR and is packed into OUT_DIR.tgz on exit, even when a step times out.
#
#   scripts/gpu-bench.sh LAB_BINARY OUT_DIR [PROFILE_STEP_BINARY]
#
# PROFILE_STEP_BINARY defaults to examples/profile_step beside LAB_BINARY (cargo's layout:
# `cargo build --release -p compute --bin lab --example profile_step`). Needs the Vulkan loader and python3 with torch.
# Nothing here may wait on a process that never ends: no `tee` into a process substitution.
set -u
lab=$(realpath "$1"); dir=$2
profile=$(realpath "${3:-$(dirname "$lab")/examples/profile_step}")
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir" && cd "$dir" || exit 1
pack() { tar czf "$dir.tgz" -C "$dir" . && echo "results in $dir.tgz"; }
trap pack EXIT
export PYTHONUNBUFFERED=1

{
    date -u
    sha256sum "$lab" "$profile"
    nvidia-smi -L 2>&1
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1
} > info.txt
cat info.txt
if ! timeout 60 "$lab" device > device.txt 2>&1; then
    echo "no GPU adapter: $(tail -n 1 device.txt)"; exit 1
fi
cat device.txt

timeout 270 "$lab" bench --backend gpu --device cuda --sizes 0.2M,1M,10M --steps 20 \
    --pytorch-script "$repo/tests/reference/bench_pytorch.py" > bench.txt 2>&1
echo "bench exit $?"; cat bench.txt

for args in "medium 16 128" "large 8 256"; do
    name=profile-${args%% *}.txt
    # shellcheck disable=SC2086 # the preset, batch and context are three words on purpose
    timeout 45 "$profile" $args > "$name" 2>&1
    echo "profile_step $args exit $?"; cat "$name"
done
