"""PyTorch reference of Scaling Lab's optimiser: torch.optim.AdamW with decay only on matmul weights, global-norm
clipping (torch.nn.utils.clip_grad_norm_) and the warm-up + cosine schedule, over a few real training steps.

Writes tests/reference/fixtures/adamw_steps.safetensors and adamw_steps.json:
  params.0            float32 (P) initial parameters, flat in nanoGPT's named_parameters order (= Rust ParamLayout)
  grads.K             float32 (P) raw (unclipped) gradient of step K (0-based), from the model's own backward
  params.K+1          float32 (P) parameters after step K
  tokens, targets     int64 (STEPS, B, T) the batch of each step
  lr, norm            float64 (STEPS) learning rate and pre-clip global gradient norm of each step
The JSON holds the model config, batch, t and the optimiser settings (TrainConfig field names).

The model runs in float64 so the fixture is the exact answer up to one float32 rounding.

Regenerate (from the repository root; needs torch and safetensors):
    python3 tests/reference/adamw_reference.py
"""

import json
import math
import os

import torch
from safetensors.torch import save_file

from gpt_reference import FIXTURES, GPT

STEPS = 6


def lr_at(cfg, step, total):
    """Linear warm-up to lr, then cosine to lr * min_lr_ratio at the last step (written independently of Rust)."""
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    lo = cfg["lr"] * cfg["min_lr_ratio"]
    span = total - 1 - cfg["warmup"]
    ratio = min(1.0, (step - cfg["warmup"]) / span)
    return lo + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg["lr"] - lo)


def main():
    torch.use_deterministic_algorithms(True)
    model_cfg = dict(vocab_size=13, n_ctx=8, n_layer=2, n_head=2, d_model=16, d_ff=48, bias=True, tie_embeddings=True)
    train = dict(batch=2, t=8, lr=3e-2, min_lr_ratio=0.1, warmup=2, schedule="cosine", weight_decay=0.1,
                 decay_embeddings=False, beta1=0.9, beta2=0.95, eps=1e-8, grad_clip=0.5, steps=STEPS)
    gen = torch.Generator().manual_seed(4321)
    model = GPT(model_cfg)
    with torch.no_grad():  # nanoGPT's init, drawn in float32
        for name, p in model.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * model_cfg["n_layer"]) if name.endswith("c_proj.weight") else 0.02
                p.copy_(torch.randn(p.shape, generator=gen) * std)
    model = model.double()
    names = [n for n, _ in model.named_parameters()]
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and ".wte." not in n and ".wpe." not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and ".wte." not in n and ".wpe." not in n)]
    opt = torch.optim.AdamW(
        [dict(params=decay, weight_decay=train["weight_decay"]), dict(params=other, weight_decay=0.0)],
        lr=train["lr"], betas=(train["beta1"], train["beta2"]), eps=train["eps"],
    )
    flat = lambda xs: torch.cat([x.detach().reshape(-1) for x in xs]).float().contiguous()
    tensors = {"params.0": flat(p for _, p in model.named_parameters())}
    B, T, V = train["batch"], train["t"], model_cfg["vocab_size"]
    tokens = torch.randint(0, V, (STEPS, B, T), generator=gen)
    targets = torch.randint(0, V, (STEPS, B, T), generator=gen)
    lrs, norms = [], []
    for k in range(STEPS):
        lr = lr_at(train, k, STEPS)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        _, loss = model(tokens[k], targets[k])
        loss.backward()
        tensors[f"grads.{k}"] = flat(p.grad for _, p in model.named_parameters())
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), train["grad_clip"])
        opt.step()
        tensors[f"params.{k + 1}"] = flat(p for _, p in model.named_parameters())
        lrs.append(lr)
        norms.append(norm.item())
        print(f"step {k}: loss {loss.item():.5f} lr {lr:.5f} norm {norm.item():.4f}")
    tensors["tokens"] = tokens.to(torch.int64).contiguous()
    tensors["targets"] = targets.to(torch.int64).contiguous()
    tensors["lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors["norm"] = torch.tensor(norms, dtype=torch.float64)
    os.makedirs(FIXTURES, exist_ok=True)
    save_file(tensors, os.path.join(FIXTURES, "adamw_steps.safetensors"))
    meta = {"config": model_cfg, "train": train, "names": names, "torch": torch.__version__.split("+")[0]}
    with open(os.path.join(FIXTURES, "adamw_steps.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
