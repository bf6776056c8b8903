"""Lesson 13 — open your own GPT: hooks, attention patterns, head scores, ablation, the logit
lens and activation patching, on the course's GPT (`helpers.gpt.GPT`).

Conventions: a text is a (T,) tensor of token ids, a batch of texts (B, T). The residual
stream has C = d_model numbers per position; a layer has H heads of d_head = C // H numbers.
The model's sublayers are modules with names (`model.named_modules()`): "blocks.0",
"blocks.0.ln_1", "blocks.0.attn", "blocks.0.mlp", ..., "ln_f".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import torch

from solutions.lesson07 import attention, attention_scores, causal_mask, split_heads

if TYPE_CHECKING:
    from helpers.gpt import GPT, Attention
try:
    from helpers.interp import next_token_loss
except ModuleNotFoundError:  # `python -m autograder build` reads these references without lessons/
    next_token_loss = None    # on the path; the lesson and the tests have helpers


@contextmanager
def capture(model: torch.nn.Module, names: list[str]) -> Iterator[dict[str, torch.Tensor]]:
    """While the `with` block runs, record what the named submodules of `model` output.

    Used as
        with capture(model, ["blocks.0", "blocks.1.attn"]) as acts:
            model(tokens)
        acts["blocks.0"]  # what blocks[0] returned during that call
    names: module names as model.named_modules() gives them (model.get_submodule(name)
    finds one). The `with` statement receives a dict, empty at first; each time a named
    module runs, acts[name] becomes its output, detached from autograd (.detach()).
    Use torch's forward hooks (module.register_forward_hook). When the block ends, in
    every way (normally, or by an exception, which must still reach the caller), no hook
    of yours is left on any module: also when a name is wrong and raises halfway through
    registering the hooks.
    """
    acts: dict[str, torch.Tensor] = {}

    def keeper(name: str):  # a hook of its own for each name (a loop variable would change)
        def keep(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            acts[name] = output.detach()
        return keep

    handles = []
    try:
        for name in names:
            handles.append(model.get_submodule(name).register_forward_hook(keeper(name)))
        yield acts
    finally:
        for handle in handles:
            handle.remove()  # however the block ended


def attention_patterns(model: GPT, tokens: torch.Tensor) -> torch.Tensor:
    """Every head's attention pattern, in every layer, for a batch of texts.

    tokens: (B, T) token ids, T <= model.context.
    Run the model once and capture what each block's attention reads: the output of
    its first layer norm, "blocks.{i}.ln_1", shape (B, T, C). From it, recompute the
    pattern of block i's attention (block.attn has W_q and W_k, (C, C) each, and n_heads;
    column block h of W_q and W_k belongs to head h): the queries and keys of each head,
    the scaled scores, the causal mask, the softmax over the keys.
    Returns (n_layers, B, n_heads, T, T): entry [l, b, h, i, j] is how much position i
    of text b looks at position j in head h of layer l (every row sums to 1, and is 0
    for j > i). No autograd graph (torch.no_grad()).
    """
    n_layers, T = len(model.blocks), tokens.shape[-1]
    future = ~causal_mask(T)  # (T, T): True where j > i
    with torch.no_grad(), capture(model, [f"blocks.{i}.ln_1" for i in range(n_layers)]) as acts:
        model(tokens)  # fills acts
        patterns = []
        for i, block in enumerate(model.blocks):
            x = acts[f"blocks.{i}.ln_1"]  # (B, T, C): what attention reads
            q = split_heads(x @ block.attn.W_q, block.attn.n_heads)  # (B, H, T, d_head)
            k = split_heads(x @ block.attn.W_k, block.attn.n_heads)  # (B, H, T, d_head)
            scores = attention_scores(q, k).masked_fill(future, float("-inf"))  # (B, H, T, T)
            patterns.append(torch.softmax(scores, dim=-1))  # over the keys
    return torch.stack(patterns)  # (n_layers, B, H, T, T)


def previous_token_scores(patterns: torch.Tensor) -> torch.Tensor:
    """How much each head looks at the token just before: its previous-token score.

    patterns: (n_layers, B, n_heads, T, T), as attention_patterns returns them, T >= 2.
    The score of a head is the mean of pattern[i, i - 1] (position i looking at i - 1)
    over every position i from 1 to T - 1 and every text of the batch.
    Returns (n_layers, n_heads), numbers between 0 and 1.
    """
    below = patterns.diagonal(offset=-1, dim1=-2, dim2=-1)  # (L, B, H, T - 1): [i, i - 1]
    return below.mean(dim=(1, 3))


def induction_scores(patterns: torch.Tensor, period: int) -> torch.Tensor:
    """How much each head does induction on texts that repeat: its induction score.

    patterns: (n_layers, B, n_heads, T, T) on texts that repeat with this period (the
    token at i equals the token at i - period), with period < T.
    At a position i >= period the current token appeared before, at i - period; an
    induction head looks at the token that came AFTER it then, at i - period + 1 (the
    token it predicts comes next). The score of a head is the mean of
    pattern[i, i - period + 1] over every position i from period to T - 1 and every
    text of the batch.
    Returns (n_layers, n_heads), numbers between 0 and 1.
    """
    stripe = patterns.diagonal(offset=1 - period, dim1=-2, dim2=-1)  # [i, i - period + 1], i >= period - 1
    return stripe[..., 1:].mean(dim=(1, 3))  # from i = period on


def head_outputs(attn: Attention, x: torch.Tensor) -> torch.Tensor:
    """What each head of one attention layer adds to the residual stream, separately.

    attn: an attention module (W_q, W_k, W_v, W_o, all (C, C), and n_heads): column
    block h of W_q, W_k, W_v and ROW block h of W_o (rows h * d_head to
    (h + 1) * d_head) belong to head h. x: (B, T, C), what the attention reads.
    Head h attends causally with its own queries, keys and values, and maps its result
    (B, T, d_head) through its own rows of W_o.
    Returns (B, n_heads, T, C): entry [:, h] is head h's change; the sum over the heads
    equals attn(x).
    """
    H = attn.n_heads
    q, k, v = (split_heads(x @ W, H) for W in (attn.W_q, attn.W_k, attn.W_v))  # (B, H, T, d_head)
    z = attention(q, k, v, causal=True)  # (B, H, T, d_head)
    W_o = attn.W_o.unflatten(0, (H, -1))  # (H, d_head, C): row block h for head h
    return z @ W_o  # (B, H, T, C)


def ablation_costs(model: GPT, windows: torch.Tensor, mean: bool = False) -> torch.Tensor:
    """How much the loss rises when one head at a time is knocked out.

    windows: (B, T) token ids; the loss is next_token_loss(model, windows) (predict
    windows[:, 1:] from model(windows)[:, :-1], mean cross-entropy in nats).
    For each layer l and head h, run the model with head h's change to the residual stream
    (its part of head_outputs of block l's attention) replaced:
    * mean=False (zero ablation): by nothing, zeros;
    * mean=True (mean ablation): by its average over the B windows, computed on these
      windows with the model intact, one (T, C) average, different at each position.
    Do it with a forward hook on block l's attention that returns the changed output;
    remove every hook before the next head (even after an error).
    Returns (n_layers, n_heads): the loss with that head ablated minus the loss of the
    intact model. No autograd graph.
    """
    n_layers, n_heads = len(model.blocks), model.blocks[0].attn.n_heads
    names = [f"blocks.{i}.ln_1" for i in range(n_layers)]
    costs = torch.zeros(n_layers, n_heads)
    with torch.no_grad():  # measurements only: no autograd graph
        clean = next_token_loss(model, windows)
        with capture(model, names) as acts:
            model(windows)  # the intact model, once
        for layer, block in enumerate(model.blocks):
            heads = head_outputs(block.attn, acts[names[layer]])  # (B, H, T, C), model intact
            for head in range(n_heads):
                replacement = heads[:, head].mean(dim=0) if mean else torch.zeros_like(heads[0, head])

                def swap(module: torch.nn.Module, inputs: tuple, output: torch.Tensor,
                         head: int = head, replacement: torch.Tensor = replacement) -> torch.Tensor:
                    own = head_outputs(module, inputs[0])[:, head]  # (B, T, C): this head's change
                    return output - own + replacement

                handle = block.attn.register_forward_hook(swap)
                try:
                    costs[layer, head] = next_token_loss(model, windows) - clean
                finally:
                    handle.remove()  # before the next head
    return costs


def logit_lens(model: GPT, tokens: torch.Tensor) -> torch.Tensor:
    """Read the residual stream before the first block and after every block as if it
    were the last: through the final layer norm and the unembedding.

    tokens: (B, T) token ids. Stream 0 is the embeddings, token_embedding[tokens] plus
    position_embedding[:T]; stream l (1 to n_layers) is the output of block l - 1
    (capture "blocks.{l - 1}"). Each stream x, (B, T, C), becomes logits
    model.ln_f(x) @ model.token_embedding.T, so the last one equals model(tokens).
    Returns (n_layers + 1, B, T, vocab_size) logits. No autograd graph.
    """
    n_layers, T = len(model.blocks), tokens.shape[-1]
    names = [f"blocks.{i}" for i in range(n_layers)]
    with torch.no_grad(), capture(model, names) as acts:
        model(tokens)  # fills acts with every block's output
        embeddings = model.token_embedding[tokens] + model.position_embedding[:T]  # (B, T, C)
        streams = [embeddings] + [acts[name] for name in names]
        return torch.stack([model.ln_f(x) @ model.token_embedding.T for x in streams])


def activation_patching(model: GPT, clean: torch.Tensor, corrupted: torch.Tensor,
                        answer: int, wrong: int) -> torch.Tensor:
    """Where does the model carry what tells the clean text from the corrupted one?

    clean, corrupted: (T,) token ids of two texts of the same length (they differ in a
    token or a few). answer, wrong: two token ids; the measure of a run is its logit
    difference at the LAST position, logits[-1, answer] - logits[-1, wrong].
    The residual stream at stream l (0 to n_layers) is what enters block l (l = 0: the
    embeddings) or, for l = n_layers, what leaves the last block.
    For every stream l and position t: run the corrupted text with the residual stream at
    (l, t), and only there, replaced by the clean text's at (l, t) (hooks: a forward
    pre-hook, register_forward_pre_hook, changes what a module reads; a forward hook what
    it returns), and measure it. Report the share of the clean run's difference that the
    patch restores: (patched - corrupted) / (clean - corrupted), where clean and corrupted
    are the measures of the two runs without any patch.
    Returns (n_layers + 1, T): 1 where the patch restores the clean answer fully, 0 where
    it changes nothing. No autograd graph; remove every hook.
    """
    n_layers, T = len(model.blocks), len(clean)
    readers = [*model.blocks, model.ln_f]  # stream l is what readers[l] reads

    def measure(logits: torch.Tensor) -> float:
        return (logits[-1, answer] - logits[-1, wrong]).item()

    with torch.no_grad():  # measurements only
        streams = []  # the clean run's stream l, (1, T, C) each

        def record(module: torch.nn.Module, args: tuple) -> None:
            streams.append(args[0].clone())

        handles = [reader.register_forward_pre_hook(record) for reader in readers]
        try:
            clean_diff = measure(model(clean))
        finally:
            for handle in handles:
                handle.remove()  # the recording is done
        corrupted_diff = measure(model(corrupted))
        restored = torch.zeros(n_layers + 1, T)
        for layer, reader in enumerate(readers):
            for t in range(T):
                def patch(module: torch.nn.Module, args: tuple, layer: int = layer, t: int = t) -> tuple:
                    x = args[0].clone()
                    x[:, t] = streams[layer][:, t]
                    return (x,)

                handle = reader.register_forward_pre_hook(patch)
                try:
                    patched = measure(model(corrupted))
                finally:
                    handle.remove()  # one patch at a time
                restored[layer, t] = (patched - corrupted_diff) / (clean_diff - corrupted_diff)
    return restored
