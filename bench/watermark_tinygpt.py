"""The transformer tier of the radioactivity bench: a tiny causal transformer in PyTorch (CPU).

Needs the `bench` extra (`pip install torch==2.13.0`). The model implements the same `LanguageModel`
protocol as the bigram (next_logits / sequence_logits), so generation, watermarking and audits are shared.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


class TinyGPT(nn.Module):
    """Pre-norm decoder-only transformer with learned positions and tied input/output embeddings."""

    def __init__(self, vocab: int, dim: int, layers: int, heads: int, context: int) -> None:
        super().__init__()
        self.context = context
        self.vocab_size = vocab
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        nn.init.normal_(self.tok.weight, std=0.02)  # tied output: unit-variance rows start at loss ~60
        nn.init.normal_(self.pos.weight, std=0.02)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context), persistent=False)

    def hidden(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        return self.norm(self.blocks(x, mask=self.mask[:t, :t], is_causal=True))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.hidden(idx) @ self.tok.weight.T

    @torch.no_grad()
    def next_logits(self, ids: np.ndarray) -> np.ndarray:
        self.eval()
        window = torch.from_numpy(np.ascontiguousarray(ids[:, -self.context :]))
        return (self.hidden(window)[:, -1] @ self.tok.weight.T).double().numpy()  # project the last only

    @torch.no_grad()
    def sequence_logits(self, ids: np.ndarray) -> np.ndarray:
        """Teacher forcing in consecutive windows of `context` tokens (the first of each sees less)."""
        self.eval()
        out = []
        for start in range(0, len(ids), self.context):
            chunk = torch.from_numpy(np.ascontiguousarray(ids[start : start + self.context]))[None]
            out.append(self(chunk)[0].double().numpy())
        return np.concatenate(out)


def train(
    model: TinyGPT, docs: Sequence[np.ndarray], steps: int, batch: int, seed: int, lr: float = 3e-3
) -> list[float]:
    """Next-token training on random windows of the concatenated documents; returns the loss curve."""
    stream = torch.from_numpy(np.concatenate(list(docs)))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    losses = []
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(stream) - model.context - 1, (batch,), generator=gen)
        window = torch.stack([stream[s : s + model.context + 1] for s in starts.tolist()])
        logits = model(window[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), window[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses
