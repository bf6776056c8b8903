"""Hidden tests for lesson 13: every tool on random small GPTs, compared with the reference.

A model cannot cross from the grader to the learner's kernel, so each test sends the
kernel a helper (`run_through`) that builds the GPT there from a configuration and
weights that travel as data, runs the learner's tool on it and returns plain tensors. The
grader builds the same GPT from the same weights and runs the reference.
"""

from __future__ import annotations

import numpy as np
import torch

from autograder.hidden.common import agrees_with_reference, hidden_check, run_through
from helpers import gpt as course_gpt
from helpers.checking import describe, guarded
from solutions import lesson13 as reference
from solutions.lesson07 import multi_head_attention
from solutions.lesson08 import block, dropout, gpt_forward, layer_norm, mlp


def _kernel_gpt(config: dict, weights: dict):
    """The GPT of `config` with `weights`, computing with lessons 07-08's references.

    Runs on both sides: in the grader, and in the learner's kernel inside a helper.
    """
    ops = course_gpt.Ops(layer_norm, dropout, mlp, multi_head_attention, block, gpt_forward)
    model = course_gpt.GPT(course_gpt.GPTConfig(**config), ops)
    model.load_state_dict(weights)
    return model.eval()


def _hooks_left(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def _random_gpt(rng: np.random.Generator) -> tuple[dict, dict]:
    """A random configuration (1-3 layers, 1-3 heads, small sizes) and random weights."""
    n_heads, d_head = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    config = {"vocab_size": int(rng.integers(5, 13)), "d_model": n_heads * d_head,
              "n_layers": int(rng.integers(1, 4)), "n_heads": n_heads, "context": int(rng.integers(8, 13))}
    shapes = course_gpt.GPT(course_gpt.GPTConfig(**config), course_gpt.Ops(*[None] * 6)).state_dict()
    weights = {}
    for name, value in shapes.items():
        if name.endswith("scale"):
            weights[name] = torch.from_numpy(1 + 0.3 * rng.normal(size=value.shape)).float()
        elif name.endswith(("shift", "b_up", "b_down")):
            weights[name] = torch.from_numpy(0.2 * rng.normal(size=value.shape)).float()
        else:  # big enough that attention is sharp and a change travels
            spread = 2.5 / value.shape[0] ** 0.5
            weights[name] = torch.from_numpy(spread * rng.normal(size=value.shape)).float()
    return config, weights


def _tokens(rng: np.random.Generator, config: dict, batch: int | None = None) -> torch.Tensor:
    T = int(rng.integers(3, config["context"] + 1))
    shape = (T,) if batch is None else (batch, T)
    return torch.from_numpy(rng.integers(0, config["vocab_size"], size=shape))


# -- capture ------------------------------------------------------------------------------


def _capture_in_kernel(capture, config, weights, tokens, names):
    """Use the learner's capture in the ways the lesson does; report what happened."""
    model = _kernel_gpt(config, weights)
    manager = capture(model, names)
    if not (hasattr(manager, "__enter__") and hasattr(manager, "__exit__")):
        return {"not_a_context_manager": manager}  # what came back instead
    with manager as acts:
        model(tokens)
    report = {"acts": {name: value for name, value in dict(acts).items()},
              "detached": all(not getattr(value, "requires_grad", False) for value in acts.values()),
              "hooks_after": _hooks_left(model)}
    reached = False
    try:
        with capture(model, names):
            model(tokens)
            raise ArithmeticError("raised inside the with block by the grader")
    except ArithmeticError as err:
        reached = "by the grader" in str(err)
    report["reached"], report["hooks_after_error"] = reached, _hooks_left(model)
    try:
        with capture(model, [names[0], "blocks.99"]):
            model(tokens)
    except Exception:
        pass
    report["hooks_after_bad_name"] = _hooks_left(model)
    return report


@guarded
def capture(learner_capture):
    chk = hidden_check("capture", learner_capture, crash_hint=(
        "capture(model, names) must give a context manager whose `with` block yields a dict; a "
        "forward hook is called as hook(module, inputs, output), one per name, on "
        "model.get_submodule(name)."))
    rng = np.random.default_rng(130)
    for trial in range(1, 4):
        config, weights = _random_gpt(rng)
        tokens = _tokens(rng, config, batch=2)
        last = config["n_layers"] - 1
        names = [f"blocks.{last}", "blocks.0.mlp", "blocks.0.ln_1", f"blocks.{last}.attn", "ln_f"]
        report = run_through(chk, _capture_in_kernel, config, weights, tokens, names)
        case = f"hidden random GPT {trial} of 3 ({config['n_layers']} layers)"
        if isinstance(report, dict) and "not_a_context_manager" in report:
            chk.fail(f"{case}: capture(model, names) returned {describe(report['not_a_context_manager'])}, "
                     "which does not work in a `with` statement",
                     "decorate capture with @contextmanager (from contextlib) and `yield` the dict "
                     "exactly once.")
        model = _kernel_gpt(config, weights)
        with reference.capture(model, names) as expected:
            model(tokens)
        chk.true(isinstance(report, dict) and isinstance(report.get("acts"), dict), case=case,
                 hint="`with capture(model, names) as acts` must give a dict.")
        chk.equal(sorted(report["acts"]), sorted(names), case=f"{case}: the names in acts",
                  hint="one entry per name, under that name (make each hook in a function that "
                       "takes its name: a loop variable read when the hook runs has moved on).")
        for name in names:
            chk.close(report["acts"][name], expected[name], case=f"{case}: acts[{name!r}]", atol=1e-5,
                      hint="store each module's OUTPUT (the hook's third argument), detached.")
        chk.true(report["detached"], case=f"{case}: stored tensors require grad",
                 hint="store output.detach().")
        chk.equal(report["hooks_after"], 0, case=f"{case}: hooks left after the with block",
                  hint="remove every hook (handle.remove()) when the block ends.")
        chk.true(report["reached"], case=f"{case}: an exception inside the with block",
                 hint="let exceptions reach the caller: try/finally around the yield, no except.")
        chk.equal(report["hooks_after_error"], 0, case=f"{case}: hooks left after an exception",
                  hint="remove the hooks in a `finally:` around the yield.")
        chk.equal(report["hooks_after_bad_name"], 0, case=f"{case}: hooks left after a wrong name",
                  hint="register the hooks inside the try, so that a later wrong name still removes "
                       "the ones registered before it.")
    chk.passed()


# -- attention patterns and head scores -----------------------------------------------------


def _patterns_in_kernel(attention_patterns, config, weights, tokens):
    return attention_patterns(_kernel_gpt(config, weights), tokens)


@guarded
def attention_patterns(learner_attention_patterns):
    chk = hidden_check("attention_patterns", learner_attention_patterns,
                       reference=reference.attention_patterns, crash_hint=(
        "for (B, T) tokens, capture 'blocks.{i}.ln_1' for every block, then each layer's queries "
        "and keys (split into heads), scaled scores, causal mask and softmax; stack the layers."))
    rng = np.random.default_rng(131)
    for trial in range(1, 5):
        config, weights = _random_gpt(rng)
        tokens = _tokens(rng, config, batch=int(rng.integers(1, 4)))
        got = run_through(chk, _patterns_in_kernel, config, weights, tokens,
                          returns=chk.promise)
        expected = reference.attention_patterns(_kernel_gpt(config, weights), tokens)
        chk.close(got, expected, atol=1e-5,
                  case=f"hidden random GPT {trial} of 4 ({config['n_layers']} layers, "
                       f"{config['n_heads']} heads)",
                  hint="per layer: the queries and keys of each head from ln_1's output, scores / "
                       "sqrt(d_head), the causal mask, softmax over the keys; stacked "
                       "(n_layers, B, n_heads, T, T).")
    chk.passed()


def _random_patterns(rng: np.random.Generator, T: int) -> torch.Tensor:
    """Random causal patterns (n_layers, B, n_heads, T, T): rows that sum to 1 over j <= i."""
    n_layers, B, H = (int(k) for k in rng.integers(1, 4, size=3))
    scores = torch.from_numpy(rng.normal(size=(n_layers, B, H, T, T)) * 2)
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


@guarded
def previous_token_scores(learner_previous_token_scores):
    def args(rng):
        return (_random_patterns(rng, int(rng.integers(2, 10))),)

    agrees_with_reference(hidden_check("previous_token_scores", learner_previous_token_scores),
                          reference.previous_token_scores, args,
                          hint="the mean of pattern[i, i - 1] over i = 1, ..., T - 1 and over the "
                               "texts, one score per layer and head.")


@guarded
def induction_scores(learner_induction_scores):
    def args(rng):
        period = int(rng.integers(1, 6))
        return _random_patterns(rng, period + int(rng.integers(1, 9))), period

    agrees_with_reference(hidden_check("induction_scores", learner_induction_scores),
                          reference.induction_scores, args,
                          hint="the mean of pattern[i, i - period + 1] over i = period, ..., T - 1 "
                               "and over the texts, for any period and length.")


# -- head outputs and ablation ----------------------------------------------------------------


def _head_outputs_in_kernel(head_outputs, config, weights, layer, x):
    return head_outputs(_kernel_gpt(config, weights).blocks[layer].attn, x)


@guarded
def head_outputs(learner_head_outputs):
    chk = hidden_check("head_outputs", learner_head_outputs,
                       reference=reference.head_outputs, crash_hint=(
        "x is (B, T, C); each head attends causally with its own columns of W_q, W_k, W_v and maps "
        "its (B, T, d_head) result through its own ROWS of W_o; return (B, n_heads, T, C)."))
    rng = np.random.default_rng(132)
    for trial in range(1, 5):
        config, weights = _random_gpt(rng)
        layer = int(rng.integers(config["n_layers"]))
        x = torch.from_numpy(rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(2, 8)),
                                              config["d_model"]))).float()
        got = run_through(chk, _head_outputs_in_kernel, config, weights, layer, x,
                          returns=chk.promise)
        with torch.no_grad():
            expected = reference.head_outputs(_kernel_gpt(config, weights).blocks[layer].attn, x)
        chk.close(got, expected, atol=1e-5,
                  case=f"hidden random GPT {trial} of 4 ({config['n_heads']} heads), layer {layer}",
                  hint="head h: causal attention with its own columns of W_q, W_k, W_v, then its own "
                       "rows of W_o; (B, n_heads, T, C).")
    chk.passed()


def _ablation_in_kernel(ablation_costs, config, weights, windows, mean):
    model = _kernel_gpt(config, weights)
    return ablation_costs(model, windows, mean), _hooks_left(model)


@guarded
def ablation_costs(learner_ablation_costs):
    chk = hidden_check("ablation_costs", learner_ablation_costs,
                       reference=reference.ablation_costs, crash_hint=(
        "a forward hook on block l's attention gets (module, inputs, output) and returns the output "
        "with one head's part (head_outputs of inputs[0]) replaced; the result is (n_layers, n_heads)."))
    rng = np.random.default_rng(133)
    for trial in range(1, 4):
        config, weights = _random_gpt(rng)
        windows = _tokens(rng, config, batch=int(rng.integers(2, 5)))
        for mean in (False, True):
            case = f"hidden random GPT {trial} of 3, {'mean' if mean else 'zero'} ablation"
            result = run_through(chk, _ablation_in_kernel, config, weights, windows, mean)
            chk.true(isinstance(result, tuple) and len(result) == 2, case=case,
                     hint="return the (n_layers, n_heads) tensor of loss changes.")
            costs, hooks = result
            chk.promised(costs, case=case)
            expected = reference.ablation_costs(_kernel_gpt(config, weights), windows, mean)
            chk.close(costs, expected, atol=2e-5, case=case,
                      hint="the loss with head h of layer l replaced (by zeros, or by its mean over the "
                           "windows at each position) minus the intact loss; one hook at a time.")
            chk.equal(hooks, 0, case=f"{case}: hooks left on the model",
                      hint="remove each hook in a `finally:` after measuring.")
    chk.passed()


# -- logit lens and activation patching -------------------------------------------------------


def _lens_in_kernel(logit_lens, config, weights, tokens):
    return logit_lens(_kernel_gpt(config, weights), tokens)


@guarded
def logit_lens(learner_logit_lens):
    chk = hidden_check("logit_lens", learner_logit_lens,
                       reference=reference.logit_lens, crash_hint=(
        "stream 0 is token_embedding[tokens] + position_embedding[:T], stream l the output of block "
        "l - 1; each goes through model.ln_f and @ model.token_embedding.T: (n_layers + 1, B, T, V)."))
    rng = np.random.default_rng(134)
    for trial in range(1, 5):
        config, weights = _random_gpt(rng)
        tokens = _tokens(rng, config, batch=int(rng.integers(1, 4)))
        got = run_through(chk, _lens_in_kernel, config, weights, tokens,
                          returns=chk.promise)
        expected = reference.logit_lens(_kernel_gpt(config, weights), tokens)
        chk.close(got, expected, atol=1e-4, case=f"hidden random GPT {trial} of 4 "
                  f"({config['n_layers']} layers)",
                  hint="streams: the embeddings (tokens + positions), then each block's output; each "
                       "through ln_f and @ token_embedding.T; (n_layers + 1, B, T, vocab_size).")
    chk.passed()


def _patching_in_kernel(activation_patching, config, weights, clean, corrupted, answer, wrong):
    model = _kernel_gpt(config, weights)
    return activation_patching(model, clean, corrupted, answer, wrong), _hooks_left(model)


def _contrast(config: dict, weights: dict, clean: torch.Tensor, corrupted: torch.Tensor) -> tuple[int, int]:
    """The (answer, wrong) pair whose logit difference the corruption changes most."""
    model = _kernel_gpt(config, weights)
    with torch.no_grad():
        change = model(clean)[-1] - model(corrupted)[-1]  # (V,)
    return int(change.argmax()), int(change.argmin())


@guarded
def activation_patching(learner_activation_patching):
    chk = hidden_check("activation_patching", learner_activation_patching,
                       reference=reference.activation_patching, crash_hint=(
        "clean and corrupted are (T,) ids; a forward pre-hook gets (module, args) and returns the "
        "changed args as a tuple; record the clean streams first, then patch one (stream, position)."))
    rng = np.random.default_rng(135)
    for trial in range(1, 5):
        config, weights = _random_gpt(rng)
        clean = _tokens(rng, config)
        corrupted = clean.clone()
        where = int(rng.integers(len(clean) - 1))  # not the last position
        corrupted[where] = (clean[where] + int(rng.integers(1, config["vocab_size"]))) % config["vocab_size"]
        answer, wrong = _contrast(config, weights, clean, corrupted)
        case = f"hidden random GPT {trial} of 4 ({config['n_layers']} layers, {len(clean)} tokens)"
        result = run_through(chk, _patching_in_kernel, config, weights, clean, corrupted, answer, wrong)
        chk.true(isinstance(result, tuple) and len(result) == 2, case=case,
                 hint="return the (n_layers + 1, T) tensor of shares restored.")
        restored, hooks = result
        chk.promised(restored, case=case)
        model = _kernel_gpt(config, weights)
        expected = reference.activation_patching(model, clean, corrupted, answer, wrong)
        chk.close(restored, expected, atol=1e-3, case=case,
                  hint="row l: the stream entering block l (the last row: leaving the last block); "
                       "run the corrupted text with the clean stream at one (row, position); report "
                       "(patched - corrupted) / (clean - corrupted) at the last position.")
        chk.equal(hooks, 0, case=f"{case}: hooks left on the model",
                  hint="remove each hook in a `finally:` after each run.")
    chk.passed()
