"""The course's GPT as a PyTorch module, built from the learner's own functions.

Lessons 07 and 08 have the learner write the computation: `layer_norm`, `dropout`,
`mlp`, `multi_head_attention`, `block` and `gpt_forward`. This module holds the *numbers*
that computation works on, as trainable parameters, and wires them to those functions:

    >>> ops = Ops(layer_norm, dropout, mlp, multi_head_attention, block, gpt_forward)
    >>> model = GPT(GPTConfig(vocab_size=96), ops, seed=0)
    >>> logits = model(tokens)  # (B, T) ids -> (B, T, vocab_size), through the learner's code

Every sublayer is a module of its own (`model.blocks[0].attn`, `.mlp`, `.ln_1`, ...), so
PyTorch's forward hooks can read or change what flows between them (lesson 13).
Nothing here is a reference answer: each module only calls the function it was given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT: what a checkpoint must record to be rebuilt."""

    vocab_size: int
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    context: int = 64
    p_drop: float = 0.0

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads ({self.n_heads})")

    def as_dict(self) -> dict:
        return asdict(self)


#: Lesson 08's GPT and how it trains: 400 steps of 32 windows of 64 characters, without
#: dropout (p_drop 0: a small model on a short run underfits; assets/train_gpt.py drops).
LESSON_SHAPE = {"d_model": 64, "n_layers": 2, "n_heads": 4, "context": 64}
LESSON_STEPS, LESSON_BATCH_SIZE, LESSON_MAX_LR = 400, 32, 1e-2


@dataclass(frozen=True)
class Ops:
    """The functions a GPT computes with (the learner's, or the references of lessons 07-08)."""

    layer_norm: Callable
    dropout: Callable
    mlp: Callable
    multi_head_attention: Callable
    block: Callable
    gpt_forward: Callable


def _init(*shape: int, std: float, generator: torch.Generator) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.randn(*shape, generator=generator) * std)


class LayerNorm(torch.nn.Module):
    """A learned scale and shift per feature; calls `ops.layer_norm`."""

    def __init__(self, d_model: int, ops: Ops) -> None:
        super().__init__()
        self.ops = ops
        self.scale = torch.nn.Parameter(torch.ones(d_model))
        self.shift = torch.nn.Parameter(torch.zeros(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops.layer_norm(x, self.scale, self.shift)


class Dropout(torch.nn.Module):
    """Drops with probability p while the model trains (`model.train()`).

    With p > 0 every call runs `ops.dropout(x, p, training)`, in evaluation mode too (with
    training=False); with p = 0 it returns x and never calls `ops.dropout`.
    """

    def __init__(self, p: float, ops: Ops) -> None:
        super().__init__()
        self.ops, self.p = ops, p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops.dropout(x, self.p, self.training) if self.p > 0 else x


class Attention(torch.nn.Module):
    """Causal multi-head attention: four (C, C) maps; calls `ops.multi_head_attention`.

    Column block h of W_q, W_k and W_v, and row block h of W_o, belong to head h.
    """

    def __init__(self, config: GPTConfig, ops: Ops, generator: torch.Generator) -> None:
        super().__init__()
        self.ops, self.n_heads = ops, config.n_heads
        C, std = config.d_model, config.d_model**-0.5
        self.W_q, self.W_k, self.W_v = (_init(C, C, std=std, generator=generator) for _ in range(3))
        # writes into the residual stream: smaller by sqrt(2 * n_layers), as in GPT-2
        self.W_o = _init(C, C, std=std / math.sqrt(2 * config.n_layers), generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops.multi_head_attention(x, self.W_q, self.W_k, self.W_v, self.W_o, self.n_heads,
                                             causal=True)


class MLP(torch.nn.Module):
    """Up to 4 * d_model neurons and back down; calls `ops.mlp`."""

    def __init__(self, config: GPTConfig, ops: Ops, generator: torch.Generator) -> None:
        super().__init__()
        self.ops = ops
        C = config.d_model
        self.W_up = _init(C, 4 * C, std=C**-0.5, generator=generator)
        self.b_up = torch.nn.Parameter(torch.zeros(4 * C))
        shrink = math.sqrt(2 * config.n_layers)  # writes into the residual stream, as W_o does
        self.W_down = _init(4 * C, C, std=(4 * C) ** -0.5 / shrink, generator=generator)
        self.b_down = torch.nn.Parameter(torch.zeros(C))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops.mlp(x, self.W_up, self.b_up, self.W_down, self.b_down)


class Block(torch.nn.Module):
    """A transformer block's sublayers; calls `ops.block` with them."""

    def __init__(self, config: GPTConfig, ops: Ops, generator: torch.Generator) -> None:
        super().__init__()
        self.ops = ops
        self.ln_1 = LayerNorm(config.d_model, ops)
        self.attn = Attention(config, ops, generator)
        self.ln_2 = LayerNorm(config.d_model, ops)
        self.mlp = MLP(config, ops, generator)
        self.drop = Dropout(config.p_drop, ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops.block(x, self.ln_1, self.attn, self.ln_2, self.mlp, self.drop)


class GPT(torch.nn.Module):
    """Embeddings, a stack of blocks and a final layer norm; calls `ops.gpt_forward`.

    Starts from random weights drawn from `seed` (the same seed, the same model), each map
    with a spread of about 1/sqrt(its input size) so that numbers keep their size.
    """

    def __init__(self, config: GPTConfig, ops: Ops, seed: int = 0) -> None:
        super().__init__()
        self.config, self.ops = config, ops
        generator = torch.Generator().manual_seed(seed)
        C = config.d_model
        self.token_embedding = _init(config.vocab_size, C, std=C**-0.5, generator=generator)
        self.position_embedding = _init(config.context, C, std=C**-0.5, generator=generator)
        self.drop = Dropout(config.p_drop, ops)
        self.blocks = torch.nn.ModuleList(Block(config, ops, generator) for _ in range(config.n_layers))
        self.ln_f = LayerNorm(C, ops)

    @property
    def context(self) -> int:
        return self.config.context

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, T) or (T,) token ids, T <= context -> (B, T, vocab_size) or (T, vocab_size) logits."""
        if tokens.shape[-1] > self.context:
            raise ValueError(f"this GPT reads at most {self.context} tokens at a time, "
                             f"got {tokens.shape[-1]}: pass the last {self.context}")
        single = tokens.dim() == 1
        logits = self.ops.gpt_forward(tokens[None] if single else tokens, self.token_embedding,
                                      self.position_embedding, self.blocks, self.ln_f, self.drop)
        return logits[0] if single else logits

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def scored_windows(ids: torch.Tensor, context: int, stride: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of ids for evaluation, and their targets with the unscored ones set to -100.

    Windows of context + 1 ids start every `stride` ids (the last one is cut short and
    padded); the first window scores all its predictions, each later one only its last
    `stride`, so every id after the first is predicted exactly once, from at least
    context - stride ids before it (cross_entropy ignores the targets set to -100).
    Returns inputs (n_windows, context) and targets (n_windows, context).
    """
    starts = list(range(0, max(len(ids) - 1 - context, 0) + stride, stride))
    windows = [ids[s:s + context + 1] for s in starts]
    padded = torch.stack([F.pad(w, (0, context + 1 - len(w)), value=-100) for w in windows])
    inputs, targets = padded[:, :-1].clamp(min=0), padded[:, 1:].clone()
    targets[1:, :context - stride] = -100  # scored by the window before
    return inputs, targets


@torch.no_grad()
def evaluate(model: torch.nn.Module, ids: torch.Tensor, stride: int | None = None,
             batch_size: int = 64) -> float:
    """The model's mean next-token loss (nats) on `ids`, predicting every id after the first.

    Every prediction sees at least context - stride ids before it (stride defaults to
    half the context). The model is put in eval mode (no dropout) and back.
    """
    inputs, targets = scored_windows(ids, model.context, stride or model.context // 2)
    was_training = model.training
    model.eval()
    total = sum(F.cross_entropy(model(x).flatten(0, 1), y.flatten(), reduction="sum").item()
                for x, y in zip(inputs.split(batch_size), targets.split(batch_size), strict=True))
    model.train(was_training)
    return total / (targets != -100).sum().item()


#: The command that makes the course's checkpoint, named by every error about it.
REBUILD = "python assets/train_gpt.py"
#: The checkpoint lessons 11 to 13 read (made by assets/train_gpt.py).
CHECKPOINT = Path(__file__).with_name("course_gpt.pt")


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, unreadable or made for another model."""


def save_checkpoint(path: Path, model: GPT, *, vocab: str, data_hash: str, log: dict) -> None:
    """Write `model` (float16 weights), its configuration, vocabulary, data hash and log."""
    weights = {name: tensor.detach().half() for name, tensor in model.state_dict().items()}
    torch.save({"config": model.config.as_dict(), "weights": weights, "vocab": vocab,
                "data_hash": data_hash, "log": log}, path)


def _read(path: Path) -> dict:
    """The checkpoint's contents, or a CheckpointError that names the file and the fix."""
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}: run  {REBUILD}  from the course folder "
                              "to make it (nothing is downloaded)")
    try:
        content = torch.load(path, weights_only=True)
        if not {"config", "weights", "vocab", "log"} <= set(content):
            raise KeyError("config, weights, vocab and log")
        return content
    except Exception as err:  # any unreadable file gets the same advice
        raise CheckpointError(f"{path} is not a readable checkpoint ({type(err).__name__}: {err}); "
                              f"run  {REBUILD}  to make it again") from None


def load_checkpoint(ops: Ops, path: Path = CHECKPOINT) -> tuple[GPT, str]:
    """The trained GPT of a checkpoint, computing with `ops`, and its vocabulary.

    Raises CheckpointError, naming the file and the command that rebuilds it, when the
    file is missing, unreadable, or holds weights that do not fit its configuration.
    """
    content = _read(path)
    try:
        model = GPT(GPTConfig(**content["config"]), ops)
        model.load_state_dict({name: t.float() for name, t in content["weights"].items()})
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{path} does not fit the course's GPT ({err}); run  {REBUILD}  "
                              "to make it again with this version of the course") from None
    model.eval()
    return model, content["vocab"]


def load_log(path: Path = CHECKPOINT) -> dict:
    """The training log stored in a checkpoint (losses, held-out bits per character, time)."""
    return _read(path)["log"]
