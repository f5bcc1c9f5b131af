"""Training throughput of the same GPT in PyTorch as its users run it, for `lab bench` to compare against.

This is nanoGPT's fast path, not the reference model of gpt_reference.py (whose explicit masked softmax is there to
check correctness, not to be fast): attention through F.scaled_dot_product_attention(is_causal=True) (flash or
memory-efficient kernels on CUDA), AdamW with fused=True on CUDA (foreach on the CPU), global-norm clipping at 1.0, the
same config, batch and optimiser settings as `lab`, float32 with TF32 off. `--compile` wraps the model in torch.compile
(the second PyTorch column of `lab bench`).

    python3 tests/reference/bench_pytorch.py --config '<ModelConfig JSON>' --batch 16 --t 128 --steps 20 --warmup 2 \
        --device auto [--compile]

Prints one JSON line: {"tokens_per_s", "ms_per_step", "device", "threads", "torch", "mode"}.
"""

import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["d_model"]
        self.n_head = cfg["n_head"]
        self.c_attn = nn.Linear(c, 3 * c, bias=cfg["bias"])
        self.c_proj = nn.Linear(c, c, bias=cfg["bias"])

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, nh, T, hs)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["d_model"]
        self.ln_1 = nn.LayerNorm(c, bias=cfg["bias"])
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(c, bias=cfg["bias"])
        self.mlp = nn.Sequential(
            nn.Linear(c, cfg["d_ff"], bias=cfg["bias"]), nn.GELU(), nn.Linear(cfg["d_ff"], c, bias=cfg["bias"])
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.wpe = nn.Embedding(cfg["n_ctx"], cfg["d_model"])
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(cfg["d_model"], bias=cfg["bias"])
        self.lm_head = nn.Linear(cfg["d_model"], cfg["vocab_size"], bias=False)
        if cfg["tie_embeddings"]:
            self.lm_head.weight = self.wte.weight
        # nanoGPT's initialisation (the lab's too): normal(0, 0.02), residual projections scaled by 1/sqrt(2·n_layer).
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * cfg["n_layer"]) if name.endswith(("c_proj.weight", "mlp.2.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--t", type=int, required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--compile", action="store_true", help="wrap the model in torch.compile")
    args = ap.parse_args()
    cfg = json.loads(args.config)
    device = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    torch.manual_seed(0)
    # float32 throughout, as `lab` computes: no TF32 tensor-core shortcut in matmuls or convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    # `lab` flushes subnormal floats to zero on the CPU (compute/src/bin/lab/float_mode.rs); so does this side.
    torch.set_flush_denormal(True)
    model = GPT(cfg).to(device)
    params = list(model.named_parameters())
    decayed = [p for n, p in params if p.dim() == 2 and not n.startswith(("wte.", "wpe."))]
    others = [p for n, p in params if not (p.dim() == 2 and not n.startswith(("wte.", "wpe.")))]
    fast = dict(fused=True) if device == "cuda" else dict(foreach=True)
    opt = torch.optim.AdamW(
        [dict(params=decayed, weight_decay=0.1), dict(params=others, weight_decay=0.0)],
        lr=1e-3, betas=(0.9, 0.99), eps=1e-8, **fast,
    )
    run = torch.compile(model) if args.compile else model
    V = cfg["vocab_size"]
    x = torch.randint(0, V, (args.batch, args.t), device=device)
    y = torch.randint(0, V, (args.batch, args.t), device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = run(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
        opt.step()
        return loss

    # torch.compile compiles on the first calls: its warm-up is longer, and not timed.
    for _ in range(args.warmup + (3 if args.compile else 0)):
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
        "mode": "compile" if args.compile else "eager",
    }))


if __name__ == "__main__":
    main()
