"""Visible checks for lesson 13. Each takes your tool and tries it on tiny GPTs whose weights
are set by a formula, so every number below can be reproduced.

The tiny GPTs compute with the functions the lesson's set-up cell hands to `use_ops(ops)`
(lessons 07-08's answers): run that cell before the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from helpers.checking import Check, CheckFailed, guarded
from helpers.gpt import GPT, GPTConfig, Ops

_OPS: list[Ops] = []  # the ops given to use_ops


def use_ops(ops: Ops) -> None:
    """The functions the tiny GPTs of these checks compute with (the lesson's `ops`)."""
    _OPS[:] = [ops]


def _ops() -> Ops:
    """The ops given to use_ops; in the course's own test suite, lessons 07-08's references."""
    if _OPS:
        return _OPS[0]
    try:  # the maintainers' tests run the checks outside a notebook, from the repository
        from solutions.gpt import REFERENCE_OPS
    except ImportError:
        raise CheckFailed("Run the set-up cell first (the one that calls `check.use_ops(ops)`): "
                          "these checks build tiny GPTs that compute with the lesson's ops.") from None
    return REFERENCE_OPS


def _fill(shape: tuple[int, ...], phase: float, size: float) -> torch.Tensor:
    """Deterministic numbers that look random: size * sin(0.37 k^2 + 1.3 k + phase), k = 0, 1, ...

    (The k^2 keeps a matrix of them from having rank 2, as sin(1.3 k + phase) would.)
    """
    k = torch.arange(torch.Size(shape).numel(), dtype=torch.float64)
    return (torch.sin(0.37 * k**2 + 1.3 * k + phase) * size).float().reshape(shape)


def tiny_gpt(n_layers: int = 2, n_heads: int = 2, d_model: int = 8, vocab_size: int = 6,
             context: int = 8, phase: float = 0.0, size: float = 1.5) -> GPT:
    """A GPT whose every weight is set by _fill (layer norms near scale 1, shift 0); the
    matrices' entries are about size / sqrt(their number of rows)."""
    config = GPTConfig(vocab_size=vocab_size, d_model=d_model, n_layers=n_layers, n_heads=n_heads,
                       context=context)
    model = GPT(config, _ops(), seed=0)
    with torch.no_grad():
        for k, (name, p) in enumerate(model.named_parameters()):
            if name.endswith("scale"):
                p.copy_(1 + _fill(p.shape, phase + k, 0.3))
            elif name.endswith(("shift", "b_up", "b_down")):
                p.copy_(_fill(p.shape, phase + k, 0.2))
            else:
                p.copy_(_fill(p.shape, phase + k, size * p.shape[0] ** -0.5))
    return model.eval()


def _hooks_left(model: torch.nn.Module) -> int:
    """How many forward hooks and pre-hooks are registered on the model's modules."""
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def _streams(model: GPT, tokens: torch.Tensor) -> list[torch.Tensor]:
    """The residual stream entering each block and leaving the last, computed module by module."""
    x = model.token_embedding[tokens] + model.position_embedding[:tokens.shape[-1]]
    streams = [x]
    for block in model.blocks:
        streams.append(block(streams[-1]))
    return streams


class _Boom(Exception):
    """Raised by a check inside a `with` block, to see that it reaches the caller."""


def _captured(chk: Check, capture: Callable, model: GPT, names: list[str], tokens: torch.Tensor,
              case: str) -> tuple[Any, torch.Tensor]:
    """Run the model once inside `with capture(model, names) as acts`; (acts, logits)."""
    manager = chk.run(model, names)
    chk.true(hasattr(manager, "__enter__") and hasattr(manager, "__exit__"),
             case=f"{case}: capture(model, names) must work in a `with` statement",
             hint="decorate capture with @contextmanager (from contextlib) and `yield` the dict "
                  "exactly once.", got=manager)
    try:
        with manager as acts:
            logits = model(tokens)
    except CheckFailed:
        raise
    except Exception as err:  # the learner's code, whatever it raises
        chk.fail(f"{case}: the `with` block raised {type(err).__name__}: {err}",
                 "register one forward hook per name on model.get_submodule(name); a forward hook "
                 "is called as hook(module, inputs, output).")
    return acts, logits


@guarded
def capture(learner_capture: Callable) -> None:
    """The outputs of the named modules, detached, and no hook left behind in any case."""
    chk = Check("capture", learner_capture)
    model = tiny_gpt()
    tokens = torch.tensor([[1, 4, 2, 0, 3]])
    names = ["blocks.0", "blocks.1.attn", "ln_f"]
    case = 'capture(model, ["blocks.0", "blocks.1.attn", "ln_f"]) around model(tokens)'
    acts, logits = _captured(chk, learner_capture, model, names, tokens, case)
    chk.true(isinstance(acts, dict), case=f"{case}: `with ... as acts` should give a dict",
             hint="yield the dict (yield acts) before the model runs; the hooks fill it in.", got=acts)
    chk.equal(sorted(acts), sorted(names), case=f"{case}: the names in acts",
              hint="key each output by its module's name. A hook defined in the loop that reads the "
                   "loop variable `name` when it RUNS sees the last name: make each hook in a small "
                   "function that takes the name, so it keeps its own.")
    with torch.no_grad():
        streams = _streams(model, tokens)
        expected = {"blocks.0": streams[1],
                    "blocks.1.attn": model.blocks[1].attn(model.blocks[1].ln_1(streams[1])),
                    "ln_f": model.ln_f(streams[2])}
    for name in names:
        chk.close(acts[name], expected[name], case=f"{case}: acts[{name!r}]", atol=1e-5,
                  hint="store what the module RETURNS (the hook's third argument, output), not what "
                       "it reads (inputs), under that module's own name.")
    chk.true(not acts["blocks.0"].requires_grad, case=f"{case}: acts['blocks.0'] still requires grad",
             hint="store output.detach(): a stored tensor that is part of autograd's graph keeps the "
                  "whole graph alive in memory.")
    chk.equal(_hooks_left(model), 0, case=f"{case}: hooks left on the model after the `with` block",
              hint="keep the handle that register_forward_hook returns and call handle.remove() for "
                   "each one when the block ends (after the yield).")
    try:
        with learner_capture(model, names):
            model(tokens)
            raise _Boom("raised by the check")
    except _Boom:
        reached = True
    except Exception:
        reached = False
    else:
        reached = False
    chk.true(reached, case="an exception raised inside the `with` block did not reach the caller",
             hint="do not catch exceptions in capture: use try: yield ... finally: remove the hooks, "
                  "with no `except`.")
    chk.equal(_hooks_left(model), 0, case="hooks left after an exception inside the `with` block",
              hint="remove the hooks in a `finally:` that encloses the yield: code after a bare yield "
                   "never runs when the block raises.")
    try:
        with learner_capture(model, ["blocks.0", "blocks.7"]):
            model(tokens)
    except Exception:  # AttributeError is what get_submodule raises
        pass
    chk.equal(_hooks_left(model), 0, case='capture(model, ["blocks.0", "blocks.7"]) (there is no '
              'block 7): hooks left after the error', hint="register the hooks inside the try, so "
              "that the ones already registered are removed when a later name fails.")
    chk.passed()


def _uniform_attention(model: GPT) -> GPT:
    """The same model with W_q = W_k = 0: every score is 0, every head averages the past."""
    with torch.no_grad():
        for block in model.blocks:
            block.attn.W_q.zero_()
            block.attn.W_k.zero_()
    return model


def _attention_output(block: torch.nn.Module, x: torch.Tensor, pattern: torch.Tensor) -> torch.Tensor:
    """What block.attn would add if its heads looked where `pattern` (B, H, T, T) says."""
    H = block.attn.n_heads
    d_head = x.shape[-1] // H
    total = 0
    for h in range(H):
        part = slice(h * d_head, (h + 1) * d_head)
        total = total + pattern[:, h] @ (x @ block.attn.W_v[:, part]) @ block.attn.W_o[part, :]
    return total


@guarded
def attention_patterns(learner_attention_patterns: Callable) -> None:
    """Shape, the mask and the softmax's axis, the scale, and what attention reads."""
    chk = Check("attention_patterns", learner_attention_patterns, returns=torch.Tensor)
    tokens = torch.tensor([[1, 4, 2, 0], [3, 3, 5, 1], [0, 2, 2, 4]])  # B = 3, T = 4
    uniform = [[1.0, 0.0, 0.0, 0.0], [1 / 2, 1 / 2, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3, 0.0], [0.25] * 4]
    chk.returns((_uniform_attention(tiny_gpt(n_layers=2, n_heads=2)), tokens),
                torch.tensor(uniform).expand(2, 3, 2, 4, 4), atol=1e-5,
                shape_hint="(n_layers, B, n_heads, T, T): one (B, n_heads, T, T) tensor per layer, "
                           "stacked with torch.stack (layers first).",
                case="2 layers of 2 heads whose W_q and W_k are 0 (every score is 0), 3 texts of 4 "
                     "tokens: each position should spread its attention evenly over itself and the past",
                hint="mask the future (causal_mask) before the softmax, and take the softmax over the "
                     "keys, the last axis: row i spreads over positions 0 to i.")
    model = tiny_gpt(n_layers=2, n_heads=2, phase=1.0)
    patterns = torch.as_tensor(chk.run(model, tokens))
    with torch.no_grad():
        streams = _streams(model, tokens)
        for layer, block in enumerate(model.blocks):
            x = block.ln_1(streams[layer])
            chk.close(_attention_output(block, x, patterns[layer]), block.attn(x), atol=1e-4,
                      case=f"layer {layer} of a 2-layer model: values averaged with your pattern "
                           "should give exactly what the attention module adds",
                      hint="compute the queries and keys from what attention READS, the output of "
                           "ln_1 (capture 'blocks.{i}.ln_1'), not the residual stream; give head h "
                           "columns h * d_head to (h + 1) * d_head (split_heads); divide the scores "
                           "by sqrt(d_head) (attention_scores does it).")
    chk.passed()


def _patterns(rows: dict[tuple[int, int], list[list[float]]], shape: tuple[int, ...]) -> torch.Tensor:
    """A patterns tensor of `shape` (L, B, H, T, T) with the given (batch, head) matrices."""
    patterns = torch.zeros(shape)
    for (b, h), matrix in rows.items():
        patterns[0, b, h] = torch.tensor(matrix)
    return patterns


def _causal_uniform(T: int) -> list[list[float]]:
    return [[1 / (i + 1) if j <= i else 0.0 for j in range(T)] for i in range(T)]


def _shifted(T: int, back: int) -> list[list[float]]:
    """Each position i >= back looks only at i - back; earlier ones look at position 0."""
    return [[1.0 if j == max(i - back, 0) else 0.0 for j in range(T)] for i in range(T)]


@guarded
def previous_token_scores(learner_previous_token_scores: Callable) -> None:
    """The entry just below the diagonal, averaged over positions 1..T-1 and the batch."""
    chk = Check("previous_token_scores", learner_previous_token_scores, returns=torch.Tensor)
    T = 4
    # head 0 looks at the token before, head 1 at itself, head 2 evenly at the past
    texts = {(b, 0): _shifted(T, 1) for b in range(2)}
    texts.update({(b, 1): _shifted(T, 0) for b in range(2)})
    texts.update({(b, 2): _causal_uniform(T) for b in range(2)})
    patterns = _patterns(texts, (1, 2, 3, T, T))
    chk.returns((patterns,), [[1.0, 0.0, (1 / 2 + 1 / 3 + 1 / 4) / 3]], atol=1e-5,
                shape_hint="one score per head of each layer, (n_layers, n_heads): average over the "
                           "texts (axis 1) and the positions, not over the heads.",
                case="1 layer, 2 texts, 3 heads of 4 positions: head 0 always looks at the token before "
                     "(score 1), head 1 at itself (0), head 2 evenly at the past",
                hint="the score is pattern[i, i - 1], the entry just BELOW the diagonal "
                     "(diagonal(offset=-1, dim1=-2, dim2=-1)), averaged over the T - 1 positions "
                     "i = 1, ..., T - 1 that have a token before them.")
    texts = {(0, 0): _shifted(T, 1), (1, 0): _causal_uniform(T)}
    chk.returns((_patterns(texts, (1, 2, 1, T, T)),), [[(1.0 + (1 / 2 + 1 / 3 + 1 / 4) / 3) / 2]],
                atol=1e-5, case="1 head, 2 texts: a previous-token pattern in text 0, an even one in text 1",
                hint="average over the texts of the batch (axis 1) as well as over the positions.")
    chk.passed()


@guarded
def induction_scores(learner_induction_scores: Callable) -> None:
    """pattern[i, i - period + 1] for i from period on, averaged; any period and length."""
    chk = Check("induction_scores", learner_induction_scores, returns=torch.Tensor)
    T, period = 6, 3
    # head 0: induction; head 1: looks at the earlier copy of its own token; head 2: even
    texts = {(0, 0): _shifted(T, period - 1), (0, 1): _shifted(T, period), (0, 2): _causal_uniform(T)}
    chk.returns((_patterns(texts, (1, 1, 3, T, T)), period), [[1.0, 0.0, (1 / 4 + 1 / 5 + 1 / 6) / 3]],
                atol=1e-5,
                shape_hint="one score per head of each layer, (n_layers, n_heads): average over the "
                           "texts (axis 1) and the positions, not over the heads.",
                case="period 3, 6 tokens (3 random, then the same 3 again): head 0 looks at i - 2, "
                     "head 1 at i - 3, head 2 evenly at the past",
                hint="an induction head looks at the token AFTER the earlier copy of the current one: "
                     "pattern[i, i - period + 1], not pattern[i, i - period] (the copy itself). Average "
                     "only over the positions i = period, ..., T - 1, where the token appeared before.")
    T, period = 7, 2
    texts = {(b, 0): _shifted(T, period - 1) for b in range(2)}
    texts[1, 1] = _causal_uniform(T)
    chk.returns((_patterns(texts, (1, 2, 2, T, T)), period),
                [[1.0, sum(1 / (i + 1) for i in range(period, T)) / (T - period) / 2]], atol=1e-5,
                case="period 2, 7 tokens (the pattern written three and a half times), 2 texts",
                hint="use the period you are given and every position from period to T - 1 (there are "
                     "T - period of them), for any T; average over the texts too.")
    chk.passed()


@guarded
def head_outputs(learner_head_outputs: Callable) -> None:
    """One (B, T, C) change per head; they add up to the layer's output; causal; own W_o rows."""
    chk = Check("head_outputs", learner_head_outputs, returns=torch.Tensor)
    model = tiny_gpt(n_layers=1, n_heads=2, phase=2.0)
    attn = model.blocks[0].attn
    x = _fill((2, 5, 8), 0.5, 1.0)  # B = 2, T = 5, C = 8
    got = chk.run(attn, x.clone())
    chk.has_shape(got, (2, 2, 5, 8), case="head_outputs(attn, x) with x of shape (2, 5, 8), 2 heads",
                  hint="return (B, n_heads, T, C): each head's change in the full width C of the residual "
                       "stream, after its own rows of W_o")
    with torch.no_grad():
        chk.close(got.sum(dim=1), attn(x), atol=1e-5, case="the sum over the heads of head_outputs(attn, x) "
                  "should equal attn(x)",
                  hint="each head attends causally with its own columns of W_q, W_k, W_v and maps its "
                       "(B, T, d_head) result through its own ROWS of W_o, W_o[h * d_head:(h + 1) * d_head]: "
                       "rows, because the heads' results sit side by side before @ W_o.")
        silent = tiny_gpt(n_layers=1, n_heads=2, phase=2.0)
        silent.blocks[0].attn.W_o[4:].zero_()  # head 1 writes nothing
        got = torch.as_tensor(chk.run(silent.blocks[0].attn, x.clone()))
    chk.close(got[:, 1], torch.zeros(2, 5, 8), case="head 1's rows of W_o are all 0: its output should be 0",
              hint="map head h's result through W_o's row block h only, not the whole W_o.")
    chk.close(got[:, 0], torch.as_tensor(chk.run(attn, x.clone()))[:, 0].detach(), atol=1e-5,
              case="head 0 should not change when head 1's rows of W_o are zeroed",
              hint="head h's output uses only head h's columns of W_q, W_k, W_v and rows of W_o.")
    chk.passed()


@guarded
def ablation_costs(learner_ablation_costs: Callable) -> None:
    """0 for heads that write nothing; the intact loss subtracted; hooks removed; per-position means."""
    chk = Check("ablation_costs", learner_ablation_costs, returns=torch.Tensor)
    windows = torch.tensor([[1, 4, 2, 0, 3, 5], [2, 2, 5, 1, 0, 4], [5, 3, 1, 1, 2, 0]])
    mute = tiny_gpt(n_layers=2, n_heads=2, phase=3.0)
    with torch.no_grad():
        for block in mute.blocks:
            block.attn.W_o.zero_()
    chk.returns((mute, windows), torch.zeros(2, 2), atol=1e-6,
                shape_hint="one number per head: (n_layers, n_heads).",
                case="a model in which no head writes anything (every W_o is 0): ablating a head "
                     "changes nothing",
                hint="return the CHANGE in loss: the loss with the head ablated minus the loss of the "
                     "intact model.")
    chk.equal(_hooks_left(mute), 0, case="hooks left on the model after ablation_costs",
              hint="remove each hook (handle.remove()) in a `finally:`, right after measuring the loss.")
    one = tiny_gpt(n_layers=2, n_heads=2, phase=3.0)
    with torch.no_grad():
        one.blocks[0].attn.W_o[4:].zero_()  # only head 0.0 writes
        one.blocks[1].attn.W_o.zero_()
    costs = torch.as_tensor(chk.run(one, windows, False))
    chk.close(costs[1], [0.0, 0.0], atol=1e-6,
              case="only head 0.0 writes anything: ablating a head of layer 1 should cost nothing",
              hint="remove each hook before you ablate the next head: a hook left in place keeps head "
                   "0.0 ablated while you measure the others.")
    chk.close(costs[0, 1], 0.0, atol=1e-6, case="only head 0.0 writes anything: ablating head 0.1 should "
              "cost nothing", hint="take away only head h's change (its part of head_outputs), not the "
              "whole layer's output.")
    chk.close(costs[0, 0], 0.181665, atol=1e-4,
              case="only head 0.0 writes anything: zero-ablating it (mean=False)",
              hint="zero ablation returns output - head_outputs(module, inputs[0])[:, head]: the "
                   "layer's output without that head's change.")
    same = windows[:1].expand(3, 6)  # three copies of one window: each head's mean is its output
    chk.close(chk.run(one, same, True), torch.zeros(2, 2), atol=1e-5,
              case="mean ablation on 3 copies of the same window: the mean over the windows is the "
                   "head's own output, so nothing should change",
              hint="the mean is over the WINDOWS only (dim 0 of head_outputs[:, head]), one (T, C) "
                   "mean with a different vector at each position, not one vector for all positions.")
    chk.close(chk.run(one, windows, True)[0, 0], 0.0150433, atol=1e-4,
              case="only head 0.0 writes anything: mean-ablating it on 3 different windows",
              hint="mean ablation replaces the head's change by its mean over the windows, computed "
                   "with the model intact: output - own + mean.")
    chk.passed()


@guarded
def logit_lens(learner_logit_lens: Callable) -> None:
    """One more row than blocks; the embeddings with positions; ln_f; the last row is the model's."""
    chk = Check("logit_lens", learner_logit_lens, returns=torch.Tensor)
    model = tiny_gpt(n_layers=2, n_heads=2, vocab_size=5, phase=4.0)
    tokens = torch.tensor([[3, 0, 4], [1, 1, 2]])
    got = chk.run(model, tokens)
    chk.has_shape(got, (3, 2, 3, 5), case="logit_lens(model, tokens) for 2 blocks, 2 texts of 3 "
                  "tokens, 5 tokens in the vocabulary",
                  hint="(n_layers + 1, B, T, vocab_size): the embeddings first, then the output of every "
                       "block")
    with torch.no_grad():
        chk.close(got[-1], model(tokens), atol=1e-5, case="the last row should equal model(tokens)",
                  hint="read each stream through the final layer norm, model.ln_f(x), then "
                       "@ model.token_embedding.T; the last stream is the output of the last block.")
    chk.close(got[0, 0], [[0.458538, 2.547777, -2.178648, 3.061343, -0.596165],
                          [1.642056, 1.793804, -2.460358, 0.639610, -0.517379],
                          [-1.913274, 0.914773, 0.669329, 1.347600, 2.302111]], atol=1e-4,
              case="row 0 (the embeddings), text 0",
              hint="stream 0 is token_embedding[tokens] PLUS position_embedding[:T], read through ln_f "
                   "and the unembedding like the others.")
    chk.close(got[1, 1], [[0.204269, 3.032418, 0.007298, 0.946905, -2.641783],
                          [-0.309317, 2.964920, 0.009757, 1.070358, -2.673730],
                          [0.158689, 1.010583, 2.720027, -0.079454, -1.814977]], atol=1e-4,
              case="row 1 (after block 0), text 1",
              hint="stream l is the OUTPUT of block l - 1 (capture 'blocks.{l - 1}'), the whole residual "
                   "stream, not only what attention or the MLP added.")
    chk.passed()


@guarded
def activation_patching(learner_activation_patching: Callable) -> None:
    """Nothing before the change; everything at the embeddings and the last stream; the share."""
    chk = Check("activation_patching", learner_activation_patching, returns=torch.Tensor)
    model = tiny_gpt(n_layers=2, n_heads=2, vocab_size=6, phase=6.5, size=3.0)
    clean, corrupted = torch.tensor([1, 4, 2, 0, 3]), torch.tensor([1, 4, 5, 0, 3])
    got = chk.run(model, clean, corrupted, 2, 5)
    chk.has_shape(got, (3, 5), case="activation_patching on a 2-block model, texts of 5 tokens",
                  hint="(n_layers + 1, T): the stream entering each block, and the one leaving the last")
    chk.count += 1
    if abs(got[0, 2].item() - 1) > 1e-4:
        hint = ("run the CORRUPTED text and put the CLEAN stream in, at one stream and one position "
                "(not the other way round)." if abs(got[0, 2].item()) < 1e-4 else
                "row 0 is the embeddings entering block 0 (a forward pre-hook on blocks[0]): the clean "
                "embedding at position 2 makes the two runs identical. Report the share restored, "
                "(patched - corrupted) / (clean - corrupted), not the logit difference itself.")
        chk.fail("row 0 (the embeddings), position 2, where the texts differ: the patch should "
                 "restore everything, 1", hint, 1.0, got[0, 2])
    chk.close(got[:, :2], torch.zeros(3, 2), atol=1e-5,
              case="positions 0 and 1 come before the changed token (position 2): their streams are "
                   "the same in both texts, so patching them restores nothing",
              hint="patch ONE position at a time (x[:, t] only, not the whole stream): a patch where "
                   "the two runs already agree changes nothing and restores 0.")
    chk.close(got[-1], [0, 0, 0, 0, 1], atol=1e-4, case="the last row (what leaves the last block): only "
              "the last position matters for the logits at the last position",
              hint="the last stream is what the final layer norm reads (a pre-hook on model.ln_f, or the "
                   "output of the last block); patch ONE position at a time.")
    chk.close(got[1], [0.0, 0.0, 0.994782, -0.004295, 0.007437], atol=1e-4, case="row 1 (entering block 1)",
              hint="stream l is what ENTERS block l (a forward pre-hook on model.blocks[l] that returns "
                   "the changed input), taken from the clean run at the same stream and position.")
    chk.passed()
