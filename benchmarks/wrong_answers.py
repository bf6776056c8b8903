"""How many mechanical wrong answers survive every visible check and hidden test?

    .venv/bin/python benchmarks/wrong_answers.py [--lessons 01,02] [--exercises dense,relu]
                                                 [--workers 1] [--timeout 25] [--all-survivors]

Each wrong answer is an exercise's reference from solutions/ with ONE mechanical change to
its body, the kinds of slip learners make: an operator swapped or an operand dropped, a
comparison made strict or not, a constant off by one, a slice bound moved, an axis, dim or
keepdims changed, a transpose removed or added, a reduction swapped (sum/mean, max/min,
argmax/argmin, log/log2), a keyword argument dropped, a statement dropped, the `return`
dropped, an argument edited in place (a copy left out, `x -= ...`, `out=x`), the result
returned as a list instead of an array, a float instead of an int, a 0-d array or a float32
instead of a Python float. It never reads autograder/mutants/.

Every wrong answer runs the exercise's visible check, then its hidden test, in a forked
process with a time limit. It is caught when either stops with `CheckFailed` (a visible
check stops a call that runs for CALL_SECONDS, as it does in a notebook: the time limit is
longer, so that a wrong answer that never finishes is caught there); a check that raises
anything else is a crash of the course's own code (invariant 9), listed.
Printed per lesson: how many were generated, caught, timed out, survived, the survivors
with the line they change, the survival rate, and how long the visible checks take on the
reference answers (the target: well under a second each). Survivors reviewed as equivalent
to the reference (no input the docstring allows tells them apart) are listed in EQUIVALENT
with the reason, and a second rate leaves them out. A benchmark, not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import difflib
import inspect
import io
import multiprocessing
import os
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]
os.environ.setdefault("TQDM_DISABLE", "1")  # the references' progress bars, thousands of times

from autograder.build import Lesson, all_lessons  # noqa: E402
from helpers.checking import CALL_SECONDS  # noqa: E402

# Survivors reviewed as equivalent to the reference: (exercise, changed line before, changed
# line after) -> why no input the docstring allows tells them apart.
TRANSPOSE_1D = '.T of a 1-D array is the same array'
FLOAT64 = 'np.float64 is a Python float'
SQUARE = 'a squared difference is the same either way round'
LAST_AXIS = 'the array is 2-D: axis (dim) 1 is the last one'
ONLY_DIM = 'the tensor is 1-D: dim 0 is the last dim'
PUT_BACK = "every entry is put back exactly: theta (a float array, as the docstring says) ends as it began"
PROGRESS_BAR = "only the progress bar's look"
ONE_ROW = "the model's output has one row: [0] and [-1] are the same row"
BYTES = 'bytes index and zip as the same ints, and merge returns a list'
SLICE = 'the slice only saves time: excluded words are left out after it anyway'
SIGN = 'the sign of each column is arbitrary (the docstring says either is accepted)'
SVD = 'only the first two rows of Vt are used'
RELU = 'for thresholds >= 0 (every use in the course) relu(a) > t exactly when a > t'
INT = 'n_layers * per_layer is already a Python int'
SYMMETRIC = '|a - b| == |b - a|'
GRID = "a grid of about 100,001 points (the docstring's words): the same share to 1e-4"
FLOAT_OUTSIDE = "the outer float(...) gives a Python float; float32's 7 digits are within the 1e-4 tolerance"
INTS = 'ids are already an integer array'
PACKBITS = 'np.packbits reads any nonzero value as a 1 bit'
PACKLIST = 'np.packbits takes a list or an integer array of 0s and 1s alike'
PADDING = "encode's flush makes any bits after the data decode to the same symbols"
SLOT = ("decode only has to find the slot that holds value: on data encode made, value never sits on "
        "the slot edges where these differ (not told apart in 3,000 random small-total models, nor on "
        "the edge tables)")
RENORM = "in decode, value moves with low in every case, so a case taken later gives the same symbols"
SQUARE_SCORES = "self-attention's scores are square, (..., T, T): the last two sizes are equal"
ONE_INPUT = "a block's forward hook gets a tuple of one input: [0] and [-1] are the same"
ONE_INPUT_KEPT = ONE_INPUT + "; the stream is never changed in place"
BATCH_OF_IDS = "tokens is (B, T), as the docstring says: dim 1 is the last"
COSINE = "cos is even: cos(-pi x) == cos(pi x)"
SEARCH = ("another search for E (more or fewer rounds, another grid or window) that still finds a fit "
          "within the docstring's 1% of the best misfit, which is all it asks")
BROADCAST = ("x and loss of different lengths still raise ValueError with a message (numpy cannot "
             "broadcast them); a 2-D x is outside the docstring's (n,)")
PADDED = "padded = np.concatenate([np.zeros(order, dtype=np.int64), np.asarray(ids, dtype=np.int64)])"
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ('decode', 'elif low >= half:', 'elif low > half:'): RENORM,
    ('collapse', 'b = W2 @ b1 + b2',
     'b = W2 @ b1.T + b2'): TRANSPOSE_1D,
    ('squared_error', 'return float(np.mean((predicted - target) ** 2))',
     'return np.mean((predicted - target) ** 2)'): FLOAT64,
    ('squared_error', 'return float(np.mean((predicted - target) ** 2))',
     'return float(np.mean((target - predicted) ** 2))'): SQUARE,
    ('cross_entropy', 'shifted = logits - logits.max(axis=-1, keepdims=True)',
     'shifted = logits - logits.max(axis=1, keepdims=True)'): LAST_AXIS,
    ('cross_entropy', 'log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))',
     'log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))'): LAST_AXIS,
    ('cross_entropy', 'return float(-log_probs[np.arange(len(labels)), labels].mean())',
     'return -log_probs[np.arange(len(labels)), labels].mean()'): FLOAT64,
    ('network_loss', 'per_sample = np.sum((scores - targets) ** 2, axis=1)',
     'per_sample = np.sum((scores - targets) ** 2, axis=-1)'): LAST_AXIS,
    ('network_loss', 'per_sample = np.sum((scores - targets) ** 2, axis=1)',
     'per_sample = np.sum((targets - scores) ** 2, axis=1)'): SQUARE,
    ('network_loss', 'return float(np.mean(per_sample))',
     'return np.mean(per_sample)'): FLOAT64,
    ('numerical_gradient', 'nudged = np.array(theta, dtype=float)',
     'nudged = theta'): PUT_BACK,
    ('numerical_gradient', 'nudged = np.array(theta, dtype=float)',
     'nudged = np.array(theta)'): PUT_BACK,
    ('train', "for _ in tqdm(range(epochs), desc='training', unit='epoch'):",
     "for _ in tqdm(range(epochs), unit='epoch'):"): PROGRESS_BAR,
    ('train', "for _ in tqdm(range(epochs), desc='training', unit='epoch'):",
     "for _ in tqdm(range(epochs), desc='training'):"): PROGRESS_BAR,
    ('sample_next', 'probs = torch.softmax(logits / temperature, dim=-1)',
     'probs = torch.softmax(logits / temperature, dim=0)'): ONLY_DIM,
    ('generate', 'logits = model(window)[0]',
     'logits = model(window)[-1]'): ONE_ROW,
    ('sample_next', 'probs = torch.softmax(logits / temperature, dim=-1)',
     'probs = torch.softmax(logits / temperature, dim=-0)'): ONLY_DIM,
    ('train_bpe', "ids = list(text.encode('utf-8'))",
     "ids = text.encode('utf-8')"): BYTES,
    ('cosine_similarity', 'row_lengths = np.linalg.norm(vectors, axis=1)',
     'row_lengths = np.linalg.norm(vectors, axis=-1)'): LAST_AXIS,
    ('cosine_similarity', 'return vectors @ query / (row_lengths * np.linalg.norm(query))',
     'return vectors @ query.T / (row_lengths * np.linalg.norm(query))'): TRANSPOSE_1D,
    ('nearest', 'best = [i for i in ranked[:k + len(exclude)] if words[i] not in exclude]',
     'best = [i for i in ranked[:k + len(exclude) + 1] if words[i] not in exclude]'): SLICE,
    ('nearest', 'best = [i for i in ranked[:k + len(exclude)] if words[i] not in exclude]',
     'best = [i for i in ranked[:] if words[i] not in exclude]'): SLICE,
    ('nearest', 'return [(words[i], float(scores[i])) for i in best[:k]]',
     'return [(words[i], scores[i]) for i in best[:k]]'): FLOAT64,
    ('pca_2d', 'centred = X - X.mean(axis=0)',
     'centred = X.mean(axis=0) - X'): SIGN,
    ('pca_2d', '_, _, Vt = np.linalg.svd(centred, full_matrices=False)',
     '_, _, Vt = np.linalg.svd(centred)'): SVD,
    ('pca_2d', '_, _, Vt = np.linalg.svd(centred, full_matrices=False)',
     '_, _, Vt = np.linalg.svd(centred, full_matrices=True)'): SVD,
    ('directions', 'vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)',
     'vectors /= np.linalg.norm(vectors, axis=-1, keepdims=True)'): LAST_AXIS,
    ('build_fact_mlp', 'W_down = np.stack([table[sport] for _, _, sport in facts], axis=1)',
     'W_down = np.stack([table[sport] for _, _, sport in facts], axis=-1)'): LAST_AXIS,
    ('firing_neurons', 'activation = np.maximum(x @ W_up.T + b_up, 0.0)',
     'activation = x @ W_up.T + b_up'): RELU,
    ('mlp_param_count', 'return int(n_layers * per_layer)',
     'return n_layers * per_layer'): INT,
    ('random_unit_vectors', 'return V / V.norm(dim=1, keepdim=True)',
     'return V / V.norm(dim=-1, keepdim=True)'): LAST_AXIS,
    ('pairwise_angles', 'U = V / V.norm(dim=1, keepdim=True)',
     'U = V / V.norm(dim=-1, keepdim=True)'): LAST_AXIS,
    ('share_within', 'return ((angles - 90.0).abs() <= band).float().mean().item()',
     'return ((90.0 - angles).abs() <= band).float().mean().item()'): SYMMETRIC,
    ('exact_share', 'return np.trapezoid(np.sin(theta) ** (d - 2), theta)',
     "return __import__('numpy').asarray(np.trapezoid(np.sin(theta) ** (d - 2), theta))"): FLOAT_OUTSIDE,
    ('exact_share', 'return np.trapezoid(np.sin(theta) ** (d - 2), theta)',
     "return __import__('numpy').float32(np.trapezoid(np.sin(theta) ** (d - 2), theta))"): FLOAT_OUTSIDE,
    ('exact_share', 'theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100001)',
     'theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100000)'): GRID,
    ('exact_share', 'theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100001)',
     'theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100002)'): GRID,
    ('exact_share', 'return float(mass(90 - band, 90 + band) / mass(0, 180))',
     'return mass(90 - band, 90 + band) / mass(0, 180)'): FLOAT64,
    ('pack', "for _ in tqdm(range(steps), disable=not progress, desc='packing'):",
     "for _ in tqdm(range(steps), desc='packing'):"): PROGRESS_BAR,
    ('pack', "for _ in tqdm(range(steps), disable=not progress, desc='packing'):",
     "for _ in tqdm(range(steps), disable=progress, desc='packing'):"): PROGRESS_BAR,
    ('pack', "for _ in tqdm(range(steps), disable=not progress, desc='packing'):",
     "for _ in tqdm(range(steps), disable=not progress):"): PROGRESS_BAR,
    ('pack', 'V /= V.norm(dim=1, keepdim=True)', 'V /= V.norm(dim=-1, keepdim=True)'): LAST_AXIS,
    ('code_length', 'return float(-np.log2(probs).sum())',
     'return -np.log2(probs).sum()'): FLOAT64,
    ('context_counts', PADDED, 'padded = np.concatenate([np.zeros(order, dtype=np.int64), ids])'): INTS,
    ('context_counts', PADDED,
     'padded = np.concatenate([np.zeros(order, dtype=np.int64), np.asarray(ids)])'): INTS,
    ('frequencies', 'p = smoothed / smoothed.sum(axis=-1, keepdims=True)',
     'p = smoothed / smoothed.sum(axis=1, keepdims=True)'): LAST_AXIS,
    ('frequencies', 'V = counts.shape[-1]',
     'V = counts.shape[1]'): LAST_AXIS,
    ('frequencies', 'freq[rows, freq.argmax(axis=-1)] += total - freq.sum(axis=-1)',
     'freq[rows, freq.argmax(axis=-1)] += total - freq.sum(axis=1)'): LAST_AXIS,
    ('frequencies', 'freq[rows, freq.argmax(axis=-1)] += total - freq.sum(axis=-1)',
     'freq[rows, freq.argmax(axis=1)] += total - freq.sum(axis=-1)'): LAST_AXIS,
    ('frequencies', 'return np.concatenate([zeros, np.cumsum(freq, axis=-1)], axis=-1)',
     'return np.concatenate([zeros, np.cumsum(freq, axis=-1)], axis=1)'): LAST_AXIS,
    ('frequencies', 'return np.concatenate([zeros, np.cumsum(freq, axis=-1)], axis=-1)',
     'return np.concatenate([zeros, np.cumsum(freq, axis=1)], axis=-1)'): LAST_AXIS,
    ('encode', 'bits.append(1)',
     'bits.append(2)'): PACKBITS,
    ('encode', 'bits.extend([1] * pending)',
     'bits.extend([2] * pending)'): PACKBITS,
    ('encode', 'bits.append(0 if low < quarter else 1)',
     'bits.append(0 if low < quarter else 2)'): PACKBITS,
    ('encode', 'bits.extend([1 if low < quarter else 0] * pending)',
     'bits.extend([2 if low < quarter else 0] * pending)'): PACKBITS,
    ('encode', 'return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()',
     'return np.packbits(bits).tobytes()'): PACKLIST,
    ('encode', 'return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()',
     'return np.packbits(np.array(bits)).tobytes()'): PACKLIST,
    ('decode', 'bits += [0] * 32',
     'bits += [0] * 33'): PADDING,
    ('decode', 'bits += [0] * 32',
     'bits += [0] * 31'): PADDING,
    ('decode', 'bits += [0] * 32',
     'bits += [1] * 32'): PADDING,
    ('decode', 'target = ((value - low + 1) * total - 1) // span',
     'target = ((value - low + 1) * total - 1) / span'): SLOT,
    ('decode', 'target = ((value - low + 1) * total - 1) // span',
     'target = ((value - low + 1) * total + 1) // span'): SLOT,
    ('decode', 'target = ((value - low + 1) * total - 1) // span',
     'target = (value - low + 1) * total // span'): SLOT,
    ('decode', 'if high < half:',
     'if high <= half:'): SLOT,
    ('decode', 'target = ((value - low + 1) * total - 1) // span',
     'target = ((value - low + 1) * total - 2) // span'): SLOT,
    ('decode', 'target = ((value - low + 1) * total - 1) // span',
     'target = ((value - low + 1) * total - 0) // span'): SLOT,
    ('decode', 'value = 2 * value + (bits[position] if position < len(bits) else 0)',
     'value = 2 * value + (bits[position] if position <= len(bits) else 0)'): PADDING,
    ('decode', 'value = 2 * value + (bits[position] if position < len(bits) else 0)',
     'value = 2 * value + (bits[position] if position < len(bits) else 1)'): PADDING,
    ('decode', 'value = 2 * value + (bits[position] if position < len(bits) else 0)',
     'value = 2 * value + (bits[position] if position < len(bits) else -1)'): PADDING,
    ('decode', 'elif low >= quarter and high < half + quarter:',
     'elif low > quarter and high < half + quarter:'): SLOT,
    ('decode', 'elif low >= quarter and high < half + quarter:',
     'elif low >= quarter and high <= half + quarter:'): SLOT,
    ('area_under_loss', 'return float(np.sum(losses) * chars_per_step / np.log(2))',
     'return np.sum(losses) * chars_per_step / np.log(2)'): FLOAT64,
    ('layer_norm', 'var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)',
     'var = ((mean - x) ** 2).mean(dim=-1, keepdim=True)'): SQUARE,
    ('dropout', 'keep = torch.rand_like(x) >= p', 'keep = torch.rand_like(x) > p'):
        'torch.rand_like draws exactly p with probability 0',
    ('gpt_forward', 'T = tokens.shape[-1]', 'T = tokens.shape[1]'):
        'tokens is (B, T), as the docstring says: dim 1 is the last',
    ('learning_rate', 'progress = (step - warmup) / span if span > 0 else 1.0',
     'progress = (step - warmup) / span if span > 0 else -1.0'): COSINE,
    ('learning_rate', 'progress = (step - warmup) / span if span > 0 else 1.0',
     'progress = (warmup - step) / span if span > 0 else 1.0'): COSINE,
    ('train_gpt', "for step in tqdm(range(steps), desc='training', unit='step'):",
     "for step in tqdm(range(steps), unit='step'):"): PROGRESS_BAR,
    ('train_gpt', "for step in tqdm(range(steps), desc='training', unit='step'):",
     "for step in tqdm(range(steps), desc='training'):"): PROGRESS_BAR,
    ('gpt_param_count', 'norms = 2 * 2 * d_model', 'norms = (2 + 2) * d_model'): '2 * 2 == 2 + 2',
    ('compute_optimal', 'n_opt = scale * np.power(np.divide(compute, 6.0), a, dtype=float)',
     'n_opt = scale * np.power(np.divide(compute, 6.0), a)'): 'np.divide(compute, 6.0) is already float',
    ('attention', "scores = scores.masked_fill(~causal_mask(scores.shape[-1]), float('-inf'))",
     "scores = scores.masked_fill(~causal_mask(scores.shape[-2]), float('-inf'))"): SQUARE_SCORES,
}

# Lines of a reference where every surviving change was reviewed as equivalent:
# (exercise, the line before) -> why.
EQUIVALENT_LINES: dict[tuple[str, str], str] = {
    **{('fit_power_law', line): SEARCH for line in (
        'for _ in range(4):',
        'E = np.linspace(low, high, 201)[:-1]',
        'step = E[1] - E[0]',
        'low, high = (max(E[best] - step, 0.0), min(E[best] + step, loss.min()))',
        'slope = (y * x_centred).sum(axis=1) / (x_centred ** 2).sum()',
        'A, alpha = (np.exp(y.mean(axis=1) - slope * log_x.mean()), -slope)',
        'misfit = ((log_loss - np.log(curve)) ** 2).sum(axis=1)',
        'best = int(np.argmin(misfit))')},
    **{('fit_power_law', line): BROADCAST for line in (
        'if x.ndim != 1 or x.shape != loss.shape:',
        "if x.ndim != 1 or x.shape != loss.shape: / raise ValueError(f'x and loss must be two 1-D "
        "lists of the same length, got shapes {x.shape} and {loss.shape}')")},
    ('fit_power_law', 'x, loss = (np.asarray(x, dtype=float), np.asarray(loss, dtype=float))'):
        'integer x or losses give float logs and powers all the same',
    ('fit_power_law', 'return (float(E[best]), float(A[best]), float(alpha[best]))'): FLOAT64,
    **{(name, 'n_layers, T = (len(model.blocks), tokens.shape[-1])'): BATCH_OF_IDS
       for name in ('attention_patterns', 'logit_lens')},
    ('ablation_costs', 'n_layers, n_heads = (len(model.blocks), model.blocks[0].attn.n_heads)'):
        'every block of a GPT has the same number of heads',
    ('ablation_costs',
     'replacement = heads[:, head].mean(dim=0) if mean else torch.zeros_like(heads[0, head])'):
        'zeros_like only reads the shape, the same for every row',
    ('ablation_costs', 'own = head_outputs(module, inputs[0])[:, head]'): ONE_INPUT,
    ('activation_patching', 'streams.append(args[0].clone())'): ONE_INPUT_KEPT,
    ('activation_patching', 'x = args[0].clone()'): ONE_INPUT_KEPT,
    ('activation_patching', 'return (logits[-1, answer] - logits[-1, wrong]).item()'):
        "the share restored, (patched - corrupted) / (clean - corrupted), is the same for either sign "
        "of the difference, and a 0-d tensor divides like a float",
    ('pareto_frontier', 'compute, loss = (np.asarray(compute, dtype=float), np.asarray(loss, dtype=float))'):
        'compute and loss are numpy arrays, as the signature says; integer ones compare the same',
    ('pareto_frontier', 'strictly = (compute[None, :] < compute[:, None]) | (loss[None, :] < loss[:, None])'):
        '| is commutative',
    ('pareto_frontier', 'beaten = (cheaper_or_equal & lower_or_equal & strictly).any(axis=1)'):
        '& is commutative, and the array is 2-D: axis 1 is the last one',
}


def reviewed_equivalent(answer: WrongAnswer) -> str | None:
    """Why a surviving wrong answer is equivalent to the reference, if it was reviewed so."""
    return EQUIVALENT.get(answer.key) or EQUIVALENT_LINES.get(answer.key[:2])


# ---------------------------------------------------------------------------------------
# Mutation operators: each takes a node of the reference's body and returns alternatives,
# (replacement, label) pairs. A replacement is a node, or for a statement a list of
# statements (empty: the statement is dropped).

BINOP_SWAPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Add],
               ast.Div: [ast.Mult, ast.FloorDiv], ast.FloorDiv: [ast.Div], ast.Pow: [ast.Mult],
               ast.MatMult: [ast.Mult], ast.Mod: [ast.FloorDiv]}
COMMUTATIVE = (ast.Add, ast.Mult)
COMPARE_SWAPS = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt],
                 ast.GtE: [ast.Gt, ast.LtE], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
                 ast.In: [ast.NotIn], ast.NotIn: [ast.In], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is]}
NAME_SWAPS = {"max": ["min"], "min": ["max"], "argmax": ["argmin"], "argmin": ["argmax"],
              "sum": ["mean"], "mean": ["sum"], "log2": ["log"], "log": ["log2"],
              "maximum": ["minimum"], "minimum": ["maximum"], "triu": ["tril"], "tril": ["triu"],
              "randn": ["rand"], "standard_normal": ["random"], "floor": ["ceil", "round"],
              "bisect_right": ["bisect_left"], "cumsum": ["cumprod"], "rad2deg": ["deg2rad"],
              "radians": ["degrees"], "arccos": ["arcsin"], "norm": ["sum"], "stack": ["concatenate"],
              "unpackbits": ["packbits"], "extend": ["append"]}
#: Calls whose result may be replaced by their first argument (a copy, a conversion, a clamp).
WRAPPERS = {"array", "asarray", "copy", "list", "tuple", "float", "int", "abs", "sorted", "set",
            "clone", "detach", "clamp", "squeeze", "flatten", "item", "tolist", "dict", "str",
            "fill_diagonal_", "requires_grad_", "float32", "maximum"}
AXIS_KEYWORDS = {"axis", "dim"}
UFUNCS_WITH_OUT = {"maximum", "minimum", "exp", "abs", "clip", "add", "subtract", "multiply",
                   "divide", "log", "log2"}


def label(node: ast.AST) -> str:
    return ast.unparse(node) if not isinstance(node, list) else "; ".join(map(ast.unparse, node))


def binop_mutations(node: ast.BinOp, params: set[str]) -> list:
    """Swap the operator; swap the operands of a non-commutative one; drop either operand."""
    out = [ast.BinOp(node.left, new(), node.right) for new in BINOP_SWAPS.get(type(node.op), [])]
    if not isinstance(node.op, COMMUTATIVE):
        out.append(ast.BinOp(node.right, node.op, node.left))
    out.append(node.left)
    if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        out.append(node.right)
    return out


def compare_mutations(node: ast.Compare, params: set[str]) -> list:
    if len(node.ops) != 1:
        return []
    return [ast.Compare(node.left, [new()], node.comparators)
            for new in COMPARE_SWAPS.get(type(node.ops[0]), [])]


def boolop_mutations(node: ast.BoolOp, params: set[str]) -> list:
    other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return [ast.BoolOp(other, node.values), *node.values]


def unary_mutations(node: ast.UnaryOp, params: set[str]) -> list:
    return [node.operand] if isinstance(node.op, (ast.USub, ast.Not, ast.Invert)) else []


def constant_mutations(node: ast.Constant, params: set[str]) -> list:
    """Off by one (ints), plus one or the opposite sign (floats), flipped booleans."""
    value = node.value
    if isinstance(value, bool):
        return [ast.Constant(not value)]
    if isinstance(value, int):
        return [ast.Constant(value + 1), ast.Constant(value - 1)]
    if isinstance(value, float):
        return [ast.Constant(value + 1.0)] + ([ast.Constant(-value)] if value else [])
    if value in ("replace", "utf-8"):
        return [ast.Constant("ignore" if value == "replace" else "latin-1")]
    return []


def call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def call_mutations(node: ast.Call, params: set[str]) -> list:
    """Swap the function (max/min, sum/mean ...), drop a wrapper, drop or change a keyword,
    write into an argument (out=), move a range's bound."""
    name, out = call_name(node), []
    for other in NAME_SWAPS.get(name, []):
        changed = copy.deepcopy(node)
        if isinstance(changed.func, ast.Attribute):
            changed.func.attr = other
        else:
            changed.func.id = other
        out.append(changed)
    if name in WRAPPERS:
        inner = node.func.value if isinstance(node.func, ast.Attribute) and name not in (
            "array", "asarray", "maximum", "float32") else (node.args[0] if node.args else None)
        if inner is not None:
            out.append(inner)
    for i, keyword in enumerate(node.keywords):
        changed = copy.deepcopy(node)
        del changed.keywords[i]
        out.append(changed)
        if keyword.arg in AXIS_KEYWORDS:
            for axis in (0, 1, -1):
                if not (isinstance(keyword.value, ast.Constant) and keyword.value.value == axis):
                    changed = copy.deepcopy(node)
                    changed.keywords[i].value = ast.Constant(axis)
                    out.append(changed)
    if name in UFUNCS_WITH_OUT and node.args and isinstance(node.args[0], ast.Name) \
            and node.args[0].id in params:
        out.append(ast.Call(node.func, node.args, [*node.keywords, ast.keyword("out", node.args[0])]))
    if name == "range" and node.args:
        stop = node.args[-1]
        out += [ast.Call(node.func, [*node.args[:-1], ast.BinOp(stop, op(), ast.Constant(1))], [])
                for op in (ast.Sub, ast.Add)]
        if len(node.args) == 1:
            out.append(ast.Call(node.func, [ast.Constant(1), stop], []))
    return out


def attribute_mutations(node: ast.Attribute, params: set[str]) -> list:
    return [node.value] if node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load) else []


def matmul_transposes(node: ast.BinOp, params: set[str]) -> list:
    """Add a transpose to an operand of @ that has none."""
    if not isinstance(node.op, ast.MatMult):
        return []
    out = []
    for side in ("left", "right"):
        operand = getattr(node, side)
        if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
            changed = copy.deepcopy(node)
            setattr(changed, side, ast.Attribute(operand, "T", ast.Load()))
            out.append(changed)
    return out


def subscript_mutations(node: ast.Subscript, params: set[str]) -> list:
    """Move a slice bound by one, drop it, or add one; drop a step."""
    piece = node.slice
    if not isinstance(piece, ast.Slice):
        return []
    out = []
    for bound, default in (("lower", 1), ("upper", -1)):
        value = getattr(piece, bound)
        options = ([ast.BinOp(value, ast.Add(), ast.Constant(1)),
                    ast.BinOp(value, ast.Sub(), ast.Constant(1)), None]
                   if value is not None else [ast.Constant(default)])
        for option in options:
            changed = copy.deepcopy(node)
            setattr(changed.slice, bound, option)
            out.append(changed)
    if piece.step is not None:
        changed = copy.deepcopy(node)
        changed.slice.step = None
        out.append(changed)
    return out


def statement_mutations(node: ast.stmt, params: set[str]) -> list:
    """Drop a statement that acts (a call, an update, a branch, a block); `x = p op e` on a
    parameter p becomes `p op= e; x = p` (the argument edited in place)."""
    out: list = []
    if isinstance(node, (ast.Expr, ast.AugAssign, ast.If, ast.With)) or (
            isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript)):
        out.append([])
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp) \
            and isinstance(node.value.left, ast.Name) and node.value.left.id in params:
        param = node.value.left.id
        out.append([ast.AugAssign(ast.Name(param, ast.Store()), node.value.op, node.value.right),
                    ast.Assign(node.targets, ast.Name(param, ast.Load()))])
    return out


def return_mutations(node: ast.Return, params: set[str], promise: str) -> list:
    """No `return`; or the right values in the wrong type for the annotation `promise`."""
    if node.value is None:
        return []
    value = node.value
    out: list = [[ast.Expr(value)]]
    as_list = ast.parse("__import__('numpy').asarray(_).tolist()", mode="eval").body
    wrappers = {"ndarray": [as_list], "float": ["__import__('numpy').asarray(_)",
                                                 "__import__('numpy').float32(_)"],
                "int": ["float(_)"], "list": ["__import__('numpy').asarray(_)", "tuple(_)"],
                "Tensor": ["_.detach().numpy()"], "tuple": ["list(_)"]}
    for template in wrappers.get(promise, []):
        wrapped = template if isinstance(template, ast.AST) else ast.parse(template, mode="eval").body
        wrapped = copy.deepcopy(wrapped)
        for inner in ast.walk(wrapped):
            for field, child in ast.iter_fields(inner):
                if isinstance(child, ast.Name) and child.id == "_":
                    setattr(inner, field, value)
                elif isinstance(child, list):
                    child[:] = [value if isinstance(c, ast.Name) and c.id == "_" else c for c in child]
        out.append(ast.Return(wrapped))
    return out


MUTATORS: list[tuple[type, Callable[..., list]]] = [
    (ast.BinOp, binop_mutations), (ast.BinOp, matmul_transposes), (ast.Compare, compare_mutations),
    (ast.BoolOp, boolop_mutations), (ast.UnaryOp, unary_mutations),
    (ast.Constant, constant_mutations), (ast.Call, call_mutations),
    (ast.Attribute, attribute_mutations), (ast.Subscript, subscript_mutations),
    (ast.stmt, statement_mutations),
]


# ---------------------------------------------------------------------------------------
# Generating the wrong answers of one exercise.

@dataclass(frozen=True)
class WrongAnswer:
    exercise: str
    source: str
    before: str  # the reference's line this answer changes (unparsed)
    after: str  # what it became ("" when dropped)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.exercise, self.before, self.after)


def promised_kind(fn: Callable) -> str:
    """The outer type the reference's return annotation promises: ndarray, float, int, ..."""
    annotation = inspect.signature(fn).return_annotation
    origin = getattr(annotation, "__origin__", annotation)
    return getattr(origin, "__name__", str(origin))


def function_tree(fn: Callable) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert isinstance(tree, ast.FunctionDef)
    return tree


def body_nodes(tree: ast.FunctionDef) -> Iterator[ast.AST]:
    """The nodes of the function's body, docstring and annotations left out, in a fixed order."""
    for statement in tree.body[1:] if ast.get_docstring(tree) else tree.body:
        yield from ast.walk(statement)


def replace_node(tree: ast.FunctionDef, index: int, replacement) -> None:
    """Replace the index-th body node of `tree` by `replacement` (a node or a list of statements)."""
    target = list(body_nodes(tree))[index]
    for parent in ast.walk(tree):
        for field, child in ast.iter_fields(parent):
            if child is target:
                setattr(parent, field, replacement)
                return
            if isinstance(child, list) and any(c is target for c in child):
                position = next(i for i, c in enumerate(child) if c is target)
                new = replacement if isinstance(replacement, list) else [replacement]
                child[position:position + 1] = new
                if not child and field == "body":
                    child.append(ast.Pass())
                return
    raise LookupError(index)


def changed_lines(before: str, after: str) -> tuple[str, str]:
    """The first line that differs between two unparsed sources (before, after)."""
    old, new = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            return " / ".join(s.strip() for s in old[i1:i2]), " / ".join(s.strip() for s in new[j1:j2])
    return "", ""


def wrong_answers(exercise: str, reference: Callable) -> list[WrongAnswer]:
    """Every distinct single-change variant of the reference's body that compiles."""
    original = function_tree(reference)
    params = {a.arg for a in original.args.args + original.args.kwonlyargs}
    promise = promised_kind(reference)
    original_source = ast.unparse(original)
    seen, answers = {original_source}, []
    for index, node in enumerate(list(body_nodes(original))):
        alternatives = [alt for kind, mutate in MUTATORS if isinstance(node, kind)
                        for alt in mutate(node, params)]
        if isinstance(node, ast.Return):
            alternatives += return_mutations(node, params, promise)
        for alternative in alternatives:
            tree = copy.deepcopy(original)
            replace_node(tree, index, copy.deepcopy(alternative))
            tree = ast.fix_missing_locations(tree)
            try:
                source = ast.unparse(tree)
                compile(source, "<wrong answer>", "exec")
            except (SyntaxError, ValueError, TypeError, AttributeError):
                continue
            if source in seen:
                continue
            seen.add(source)
            answers.append(WrongAnswer(exercise, source, *changed_lines(original_source, source)))
    return answers


# ---------------------------------------------------------------------------------------
# Running one wrong answer through the checks, in a forked process.

def verdict(lesson: Lesson, answer: WrongAnswer) -> tuple[str, str]:
    """("caught", by which check) | ("survived", "") | ("crashed", what the check raised)."""
    from helpers.checking import CheckFailed

    namespace = dict(vars(lesson.solutions()))
    exec(compile(answer.source, f"<wrong {answer.exercise}>", "exec"), namespace)
    fn = namespace[answer.exercise]
    for kind, module in (("visible", lesson.checks()), ("hidden", lesson.hidden())):
        try:
            getattr(module, answer.exercise)(fn)
        except CheckFailed:
            return "caught", kind
        except Exception as err:  # what we are counting
            return "crashed", f"{kind}: {type(err).__name__}: {str(err)[:160]}"
    return "survived", ""


def run_in_child(lesson: Lesson, answer: WrongAnswer, conn) -> None:
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), \
            contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import numpy as np

        with np.errstate(all="ignore"):
            result = verdict(lesson, answer)
    conn.send(result)
    conn.close()


def reference_seconds(lesson: Lesson, name: str) -> float:
    """Seconds the reference takes through the exercise's visible check and hidden test."""
    reference = getattr(lesson.solutions(), name)
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), \
            contextlib.redirect_stderr(devnull):
        getattr(lesson.checks(), name)(reference)
        getattr(lesson.hidden(), name)(reference)
    return time.perf_counter() - start


def run_all(lesson: Lesson, answers: list[WrongAnswer], workers: int,
            timeout: dict[str, float]) -> list[tuple[WrongAnswer, str, str]]:
    """Run every wrong answer in its own forked process, `workers` at a time; a wrong answer
    still running after its exercise's `timeout` (seconds) is stopped and counted a timeout."""
    context = multiprocessing.get_context("fork")
    pending, running, results = list(answers), [], []
    while pending or running:
        while pending and len(running) < workers:
            answer = pending.pop(0)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=run_in_child, args=(lesson, answer, send), daemon=True)
            process.start()
            send.close()
            running.append((answer, process, receive, time.monotonic()))
        time.sleep(0.005)
        for item in list(running):
            answer, process, receive, started = item
            if receive.poll():
                try:
                    results.append((answer, *receive.recv()))
                except EOFError:
                    results.append((answer, "crashed", "the process died"))
            elif not process.is_alive():
                results.append((answer, "crashed", f"the process died (exit {process.exitcode})"))
            elif time.monotonic() - started > timeout[answer.exercise]:
                process.kill()
                results.append((answer, "timeout", ""))
            else:
                continue
            process.join()
            receive.close()
            running.remove(item)
    return results


def check_latency(lesson: Lesson, names: list[str], repeats: int = 3) -> dict[str, float]:
    """Seconds each visible check takes on the reference answer (the best of `repeats` runs)."""
    seconds = {}
    for name in names:
        check, reference = getattr(lesson.checks(), name), getattr(lesson.solutions(), name)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), \
                    contextlib.redirect_stderr(devnull):
                check(reference)
            times.append(time.perf_counter() - start)
        seconds[name] = min(times)
    return seconds


# ---------------------------------------------------------------------------------------

def change(answer: WrongAnswer) -> str:
    return f"{answer.exercise:<20} {answer.before}\n{'':30}-> {answer.after or '(dropped)'}"


def report(lesson: Lesson, results: list[tuple[WrongAnswer, str, str]],
           all_survivors: bool) -> tuple[int, int, int]:
    """Print one lesson's figures; return (generated, survived, survived and not equivalent)."""
    count = {kind: sum(1 for _, outcome, _ in results if outcome == kind)
             for kind in ("caught", "timeout", "survived", "crashed")}
    survivors = [answer for answer, outcome, _ in results if outcome == "survived"]
    real = [a for a in survivors if not reviewed_equivalent(a)]
    total = len(results)
    print(f"\n{lesson.module}: generated {total}, caught {count['caught']} "
          f"(timeouts {count['timeout']}), survived {count['survived']} "
          f"({100 * count['survived'] / max(total, 1):.1f}%), of which not equivalent {len(real)} "
          f"({100 * len(real) / max(total, 1):.1f}%); checks crashed {count['crashed']}")
    for answer in survivors if all_survivors else real:
        why = reviewed_equivalent(answer)
        note = f"   [equivalent: {why}]" if why else ""
        print(f"  survived  {change(answer)}{note}")
    for answer, outcome, detail in results:
        if outcome == "crashed":
            print(f"  CRASHED   {change(answer)}\n{'':30}{detail}")
    timed_out = [answer.exercise for answer, outcome, _ in results if outcome == "timeout"]
    if timed_out:
        counts = [f"{name} {timed_out.count(name)}" for name in dict.fromkeys(timed_out)]
        print(f"  timeouts: {', '.join(counts)}")
    return total, len(survivors), len(real)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="", help="comma-separated lesson numbers (default: all)")
    parser.add_argument("--exercises", default="", help="comma-separated exercise names (default: all)")
    parser.add_argument("--workers", type=int, default=1, help="processes at a time (default 1)")
    parser.add_argument("--timeout", type=float, default=CALL_SECONDS + 15,
                        help="seconds per wrong answer, at least (5x the reference's time if more); "
                             f"more than a visible check's limit per call, {CALL_SECONDS:g} s")
    parser.add_argument("--all-survivors", action="store_true", help="list equivalent survivors too")
    args = parser.parse_args(argv)
    wanted = {n.strip() for n in args.lessons.split(",") if n.strip()}
    exercises = {n.strip() for n in args.exercises.split(",") if n.strip()}
    import torch

    torch.set_num_threads(1)  # forked children of a process whose OpenMP pool ran can deadlock
    totals = [0, 0, 0]
    start = time.perf_counter()
    for lesson in all_lessons():
        if wanted and lesson.name[:2] not in wanted:
            continue
        names = [name for name in lesson.exercises() if not exercises or name in exercises]
        missing = [name for name in names if not hasattr(lesson.solutions(), name)]
        if missing:
            print(f"\n{lesson.module}: skipped, no reference yet for {', '.join(missing)}")
            continue
        answers = [answer for name in names
                   for answer in wrong_answers(name, getattr(lesson.solutions(), name))]
        lesson.checks(), lesson.hidden()  # imported once here, before the processes fork
        # a wrong answer may take a few times the reference's time (more so on a busy machine)
        timeout = {name: max(args.timeout, 5 * reference_seconds(lesson, name)) for name in names}
        results = run_all(lesson, answers, args.workers, timeout)
        for i, figure in enumerate(report(lesson, results, args.all_survivors)):
            totals[i] += figure
        latency = check_latency(lesson, names)
        slowest = max(latency, key=latency.get)
        print(f"  visible checks on the reference: slowest {latency[slowest]:.2f} s ({slowest}), "
              f"median {sorted(latency.values())[len(latency) // 2]:.3f} s")
    generated, survived, real = totals
    print(f"\nall: generated {generated}, survived {survived} ({100 * survived / max(generated, 1):.2f}%), "
          f"not equivalent {real} ({100 * real / max(generated, 1):.2f}%) "
          f"in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
