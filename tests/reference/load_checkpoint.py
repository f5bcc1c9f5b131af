"""Loads a Scaling Lab checkpoint into the PyTorch reference GPT (nanoGPT's names and layout) with a strict
load_state_dict and prints the mean loss on given tokens, so Rust tests can check that PyTorch computes the same.

    python3 tests/reference/load_checkpoint.py CKPT.safetensors '[[1, 2, 3, ...]]'

The config comes from the safetensors metadata (key "config"). Prints {"loss": <mean nats per predicted token>}.
"""

import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_reference import GPT  # noqa: E402


def main():
    path, ids = sys.argv[1], torch.tensor(json.loads(sys.argv[2]), dtype=torch.long)
    with safe_open(path, "pt") as f:
        cfg = json.loads(f.metadata()["config"])
    model = GPT(cfg)
    model.load_state_dict(load_file(path), strict=True)  # tied: wte and lm_head.weight are both in the file
    with torch.no_grad():
        _, loss = model(ids[:, :-1], ids[:, 1:])
    print(json.dumps({"loss": loss.item()}))


if __name__ == "__main__":
    main()
