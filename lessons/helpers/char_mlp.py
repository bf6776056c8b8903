"""Lesson 04's character model, kept here so that later lessons can race it against a GPT.

An MLP reads a fixed window of `context` characters (their learned embeddings, side by
side), has one hidden layer with ReLU, and scores every character of the vocabulary as
the next one. The embedding lookup is the learner's own `embed` (lesson 04).

    >>> model = CharMLP(vocab_size, embed, seed=0)
    >>> history = train_char_mlp(model, X_train, y_train, steps=2000)
    >>> held_out_loss(model, X_held, y_held)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

#: Lesson 04's shape and training recipe.
CONTEXT, D_EMBED, D_HIDDEN = 12, 24, 256
STEPS, BATCH_SIZE, LEARNING_RATE = 2000, 256, 6e-3


class CharMLP(torch.nn.Module):
    """Embeddings of a window of characters -> dense + ReLU -> one score per character."""

    def __init__(self, vocab_size: int, embed: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                 context: int = CONTEXT, d_embed: int = D_EMBED, d_hidden: int = D_HIDDEN,
                 seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embed, self.context = embed, context
        self.E = torch.nn.Parameter(0.1 * torch.randn(vocab_size, d_embed))  # small random start
        self.hidden = torch.nn.Linear(context * d_embed, d_hidden)
        self.out = torch.nn.Linear(d_hidden, vocab_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, context) ids -> (batch, vocab_size) scores for the next character."""
        vectors = self.embed(x, self.E)  # (batch, context, d_embed)
        h = F.relu(self.hidden(vectors.flatten(1)))  # (batch, d_hidden)
        return self.out(h)  # (batch, vocab_size)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def windows_and_targets(ids: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every window of `context` ids, (n - context, context), and the id after each, (n - context,)."""
    return ids.unfold(0, context, 1)[:-1], ids[context:]


def train_char_mlp(model: CharMLP, X: torch.Tensor, y: torch.Tensor, steps: int = STEPS,
                   batch_size: int = BATCH_SIZE, lr: float = LEARNING_RATE, seed: int = 0,
                   held_out: tuple[torch.Tensor, torch.Tensor] | None = None, eval_every: int = 100,
                   progress: bool = True) -> dict:
    """Lesson 04's loop: random batches of windows, AdamW, a cosine schedule down to 0.

    X: (n, context) windows of ids, y: (n,) the id after each. Each step trains on
    `batch_size` predictions, so the characters seen are steps * batch_size. With
    `held_out` = (X, y) of held-out windows, every `eval_every` steps it also measures the
    loss on every fourth of them.
    Returns {"train": the loss of every step, "held_out": [(step, held-out loss), ...]}
    (nats per character).
    """
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    batches = torch.Generator().manual_seed(seed)
    history = {"train": [], "held_out": []}
    model.train()
    for step in tqdm(range(steps), desc="training the MLP", unit="step", disable=not progress):
        batch = torch.randint(len(X), (batch_size,), generator=batches)
        loss = F.cross_entropy(model(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        history["train"].append(loss.item())
        if held_out is not None and (step + 1) % eval_every == 0:
            history["held_out"].append((step + 1, held_out_loss(model, *held_out, every=4)))
    return history


@torch.no_grad()
def held_out_loss(model: CharMLP, X: torch.Tensor, y: torch.Tensor, every: int = 1) -> float:
    """Mean cross-entropy (nats per character) of the prediction after every `every`-th window."""
    was_training = model.training
    model.eval()
    loss = F.cross_entropy(model(X[::every]), y[::every]).item()
    model.train(was_training)
    return loss
