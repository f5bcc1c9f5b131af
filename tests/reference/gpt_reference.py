"""PyTorch reference of Scaling Lab's GPT, written in nanoGPT's style, and the fixtures the Rust tests check against.

The model is the one compute/src/cpu/ implements: token + position embedding, pre-LayerNorm blocks of causal multi-head
attention (fused c_attn, explicit masked softmax) and an exact-GELU MLP of width d_ff, a final LayerNorm and an LM head
that may share the token embedding. Parameter names and shapes are nanoGPT's state_dict keys (nn.Linear is [out, in]);
`bias=False` drops Linear and LayerNorm biases alike.

Each fixture is a safetensors file plus a JSON file beside it:
  <name>.safetensors
    <param name>        float32, every parameter under its nanoGPT name (a tied lm_head is stored once, as wte)
    grad.<param name>   float32, d(mean loss)/d(param)
    in.tokens           int64 (B, T) input token ids
    in.targets          int64 (B, T) next-token targets
    out.logits          float32 (B, T, V)
    out.loss            float32 scalar, mean cross-entropy over all B*T positions
  <name>.json           {"config": <ModelConfig as JSON>, "batch": B, "t": T, "seed": ..., "torch": version}

Weights are drawn in float32 (so the stored values are exact) at a larger scale than a fresh init, with LayerNorm gains
and biases off their defaults, so that every term of every gradient matters. Forward and backward then run in float64
and the outputs are rounded to float32: the fixture is the exact answer up to one float32 rounding.

Regenerate (from the repository root; needs torch and safetensors):
    python3 tests/reference/gpt_reference.py
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["d_model"]
        self.n_head = cfg["n_head"]
        self.c_attn = nn.Linear(c, 3 * c, bias=cfg["bias"])
        self.c_proj = nn.Linear(c, c, bias=cfg["bias"])

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, T, C)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B, nh, T, T)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)  # (B, nh, T, T)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["d_model"], cfg["d_ff"], bias=cfg["bias"])
        self.gelu = nn.GELU()  # exact erf form
        self.c_proj = nn.Linear(cfg["d_ff"], cfg["d_model"], bias=cfg["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["d_model"]
        self.ln_1 = nn.LayerNorm(c, bias=cfg["bias"])
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(c, bias=cfg["bias"])
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["d_model"]
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(cfg["vocab_size"], c),
                wpe=nn.Embedding(cfg["n_ctx"], c),
                h=nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])]),
                ln_f=nn.LayerNorm(c, bias=cfg["bias"]),
            )
        )
        self.lm_head = nn.Linear(c, cfg["vocab_size"], bias=False)
        if cfg["tie_embeddings"]:
            self.transformer.wte.weight = self.lm_head.weight  # one tensor, listed once as transformer.wte.weight

    def forward(self, idx, targets):
        B, T = idx.shape
        pos = torch.arange(T)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss


def randomize(model, gen):
    """Float32 weights away from their defaults: every gain, bias and weight contributes to the gradients."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if p.dim() == 1 and (".ln_" in name or "ln_f" in name) and name.endswith(".weight"):
                p.copy_(1.0 + 0.2 * noise)
            elif p.dim() == 1:
                p.copy_(0.2 * noise)
            elif ".wte." in name or ".wpe." in name:
                p.copy_(0.5 * noise)
            else:
                p.copy_(noise / math.sqrt(p.shape[1]))  # unit-variance outputs for unit-variance inputs


def make_fixture(name, cfg, batch, t, seed):
    gen = torch.Generator().manual_seed(seed)
    model = GPT(cfg)
    randomize(model, gen)
    params = {n: p.detach().clone().contiguous() for n, p in model.named_parameters()}
    tokens = torch.randint(0, cfg["vocab_size"], (batch, t), generator=gen)
    targets = torch.randint(0, cfg["vocab_size"], (batch, t), generator=gen)

    model = model.double()
    logits, loss = model(tokens, targets)
    loss.backward()

    tensors = dict(params)
    for n, p in model.named_parameters():
        tensors["grad." + n] = p.grad.float().contiguous()
    tensors["in.tokens"] = tokens.to(torch.int64).contiguous()
    tensors["in.targets"] = targets.to(torch.int64).contiguous()
    tensors["out.logits"] = logits.detach().float().contiguous()
    tensors["out.loss"] = loss.detach().float().reshape(())
    os.makedirs(FIXTURES, exist_ok=True)
    save_file(tensors, os.path.join(FIXTURES, name + ".safetensors"))
    meta = {"config": cfg, "batch": batch, "t": t, "seed": seed, "torch": torch.__version__.split("+")[0]}
    with open(os.path.join(FIXTURES, name + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"{name}: loss {loss.item():.6f}, {len(params)} parameter tensors")


def main():
    torch.use_deterministic_algorithms(True)
    base = dict(vocab_size=13, n_ctx=8, n_layer=2, n_head=2, d_model=16, d_ff=48)  # d_ff != 4C on purpose
    make_fixture("gpt_bias_tied", dict(base, bias=True, tie_embeddings=True), batch=3, t=8, seed=1234)
    # t < n_ctx: only the first t rows of wpe are used, the rest must get zero gradient.
    make_fixture("gpt_nobias_untied", dict(base, bias=False, tie_embeddings=False), batch=3, t=6, seed=5678)


if __name__ == "__main__":
    main()
