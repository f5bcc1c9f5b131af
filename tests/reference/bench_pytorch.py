"""Training throughput of the PyTorch reference GPT, for `lab bench` to compare against: the same model, batch and
optimiser (AdamW + global-norm clipping), float32, on the CPU or CUDA.

    python3 tests/reference/bench_pytorch.py --config '<ModelConfig JSON>' --batch 16 --t 128 --steps 5 --warmup 2 \
        --device auto

Prints one JSON line: {"tokens_per_s", "ms_per_step", "device", "threads", "torch"}.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_reference import GPT  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--t", type=int, required=True)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    args = ap.parse_args()
    cfg = json.loads(args.config)
    device = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    torch.manual_seed(0)
    # `lab` flushes subnormal floats to zero on the CPU (compute/src/bin/lab/float_mode.rs); so does this side.
    torch.set_flush_denormal(True)
    model = GPT(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and ".wte." not in n and ".wpe." not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and ".wte." not in n and ".wpe." not in n)]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=0.1), dict(params=other, weight_decay=0.0)],
                            lr=1e-3, betas=(0.9, 0.99), eps=1e-8)
    V = cfg["vocab_size"]
    x = torch.randint(0, V, (args.batch, args.t), device=device)
    y = torch.randint(0, V, (args.batch, args.t), device=device)

    # GPT.forward builds positions and the causal mask on the CPU; move them with the model on CUDA.
    def step():
        opt.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    if device == "cuda":
        torch.set_default_device("cuda")
    for _ in range(args.warmup):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    if device == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - start
    print(json.dumps({
        "tokens_per_s": args.steps * args.batch * args.t / secs,
        "ms_per_step": 1000 * secs / args.steps,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
