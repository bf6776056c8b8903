"""Lesson 08's tiny GPT: its weights, its data (lesson 04's text) and its training run.

The computation of the model is the learner's own `gpt_forward`; this module holds the
numbers that computation works on, in the layout `gpt_forward` expects, and wraps them
in a `torch.nn.Module` so that PyTorch can train them.

    >>> chars, train_ids, held_out_ids = load_text_data()
    >>> model = TinyGPT(gpt_weights(len(chars)), forward=gpt_forward)
    >>> losses = train(model, train_ids)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from tqdm.auto import tqdm

from helpers.text import load_corpus, split_corpus

#: The shape of the tiny GPT the lesson trains.
D_MODEL, N_LAYERS, N_HEADS, CONTEXT = 64, 2, 4, 32
#: How it is trained: AdamW, a one-cycle learning rate that peaks at LEARNING_RATE.
BATCH_SIZE, STEPS, LEARNING_RATE = 32, 400, 1e-2
#: The lesson states that the training loss (the mean of the last 20 steps) ends below this.
LOSS_BOUND = 2.2


def _normal(shape: tuple[int, ...], std: float, generator: torch.Generator | None,
            dtype: torch.dtype) -> torch.Tensor:
    return torch.randn(shape, generator=generator, dtype=dtype) * std


def block_weights(d_model: int, n_heads: int, n_layers: int = 1, generator: torch.Generator | None = None,
                  dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """Freshly initialised weights of one block, in the layout of the lesson's `block`.

    Every map starts random with a spread of about 1/sqrt(its input size), so that numbers
    keep their size as they pass through it. The two maps that write into the residual
    stream (W_o and W_down) start smaller by sqrt(2 * n_layers), as in GPT-2, so that the
    stream does not grow with the number of blocks. Layer norms start as scale 1, shift 0.
    """
    d_head, d_mlp = d_model // n_heads, 4 * d_model
    shrink = (2 * n_layers) ** 0.5
    return {
        "ln1_scale": torch.ones(d_model, dtype=dtype), "ln1_shift": torch.zeros(d_model, dtype=dtype),
        "W_q": _normal((n_heads, d_model, d_head), d_model**-0.5, generator, dtype),
        "W_k": _normal((n_heads, d_model, d_head), d_model**-0.5, generator, dtype),
        "W_v": _normal((n_heads, d_model, d_head), d_model**-0.5, generator, dtype),
        "W_o": _normal((n_heads, d_head, d_model), d_model**-0.5 / shrink, generator, dtype),
        "ln2_scale": torch.ones(d_model, dtype=dtype), "ln2_shift": torch.zeros(d_model, dtype=dtype),
        "W_up": _normal((d_model, d_mlp), d_model**-0.5, generator, dtype),
        "b_up": torch.zeros(d_mlp, dtype=dtype),
        "W_down": _normal((d_mlp, d_model), d_mlp**-0.5 / shrink, generator, dtype),
        "b_down": torch.zeros(d_model, dtype=dtype),
    }


def gpt_weights(vocab_size: int, d_model: int = D_MODEL, n_layers: int = N_LAYERS, n_heads: int = N_HEADS,
                context: int = CONTEXT, generator: torch.Generator | None = None,
                dtype: torch.dtype = torch.float32) -> dict:
    """Freshly initialised weights of a whole GPT, in the layout of the lesson's `gpt_forward`."""
    return {
        "token_embedding": _normal((vocab_size, d_model), d_model**-0.5, generator, dtype),
        "position_embedding": _normal((context, d_model), d_model**-0.5, generator, dtype),
        "blocks": [block_weights(d_model, n_heads, n_layers, generator, dtype) for _ in range(n_layers)],
        "final_scale": torch.ones(d_model, dtype=dtype),
        "final_shift": torch.zeros(d_model, dtype=dtype),
    }


class TinyGPT(torch.nn.Module):
    """A GPT's weights as trainable parameters; calling it runs `forward(tokens, weights)`."""

    def __init__(self, weights: dict, forward: Callable[[torch.Tensor, dict], torch.Tensor]) -> None:
        super().__init__()
        self.top = torch.nn.ParameterDict({k: v.clone() for k, v in weights.items() if k != "blocks"})
        self.blocks = torch.nn.ModuleList(
            torch.nn.ParameterDict({k: v.clone() for k, v in w.items()}) for w in weights["blocks"])
        self.forward_fn = forward
        self.context = len(weights["position_embedding"])

    def weights(self) -> dict:
        """The weights as plain dicts, in the layout `gpt_forward` reads."""
        return {**{k: self.top[k] for k in self.top}, "blocks": [dict(b.items()) for b in self.blocks]}

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.forward_fn(tokens, self.weights())


def load_text_data() -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """Lesson 04's text as character ids: (chars, train_ids, held_out_ids).

    chars: every distinct character of the corpus, sorted; character chars[i] has id i.
    """
    text = load_corpus()
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    train_text, held_out_text = split_corpus(text)
    return chars, *(torch.tensor([index[ch] for ch in part]) for part in (train_text, held_out_text))


def get_batch(data: torch.Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """batch_size random windows of `context` ids, and the same windows shifted by one.

    Returns inputs and targets, both (batch_size, context): targets[b, i] is the character
    that follows inputs[b, :i + 1].
    """
    starts = torch.randint(len(data) - context, (batch_size,), generator=generator)
    windows = torch.stack([data[s:s + context + 1] for s in starts.tolist()])
    return windows[:, :-1], windows[:, 1:]


def next_char_loss(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The mean cross-entropy of the model's prediction at every position of every window."""
    logits = model(inputs)  # (batch, context, vocab_size)
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


def train(model: torch.nn.Module, data: torch.Tensor, steps: int = STEPS, batch_size: int = BATCH_SIZE,
          lr: float = LEARNING_RATE, seed: int = 0) -> list[float]:
    """Train `model` on random windows of `data`; returns the loss of every step.

    Each step: a batch of windows, the loss of every next-character prediction in them,
    backpropagation, and one AdamW step. The learning rate climbs to `lr` over the first
    tenth of the steps, then falls smoothly towards 0 (a "one-cycle" schedule).
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1)
    losses = []
    model.train()
    for _ in tqdm(range(steps), desc="training", unit="step"):
        inputs, targets = get_batch(data, batch_size, model.context, generator)
        loss = next_char_loss(model, inputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def mean_loss(model: torch.nn.Module, data: torch.Tensor, n_batches: int = 8, seed: int = 1) -> float:
    """The model's mean next-character loss on `n_batches` random batches of `data`."""
    generator = torch.Generator().manual_seed(seed)
    return sum(next_char_loss(model, *get_batch(data, BATCH_SIZE, model.context, generator)).item()
               for _ in range(n_batches)) / n_batches
