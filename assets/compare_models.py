"""Does the transformer earn its keep? Lesson 08's GPT against lesson 04's MLP, at matched budgets.

    python assets/compare_models.py        # runs what the CSV lacks; a finished run is kept

Every run trains from scratch, seeded, on lesson 04's text (Python's documentation
topics) and is measured on the same held-out text. A budget is a number of training
predictions ("characters seen"): a GPT step trains 32 windows x 64 positions = 2,048
predictions, an MLP step 256, so at each budget the GPT takes budget / 2,048 steps and
the MLP budget / 256, each with its own recipe (lesson 08's `train_gpt`, lesson 04's loop).

Three more series answer two questions of the lessons:
* `gpt_no_attention`: the same GPT with attention replaced by zeros, so each position
  sees only its own character: what attention buys (lesson 08);
* `gpt_bpe`: the same GPT on lesson 05's byte-pair tokens (256 merges learned from the
  training text), measured in bits per CHARACTER, so that the two are comparable (lesson 11).

Writes COMPARISON (lessons/helpers/model_comparison.csv); each run is appended as soon as it
finishes, and a restart skips the runs the file already holds. One thread per process;
`--series` splits the work between processes (one per core).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from helpers import char_mlp  # noqa: E402
from helpers.gpt import (  # noqa: E402
    GPT,
    LESSON_BATCH_SIZE,
    LESSON_MAX_LR,
    LESSON_SHAPE,
    LESSON_STEPS,
    GPTConfig,
    evaluate,
)
from helpers.text import VOCAB, load_corpus, split_corpus  # noqa: E402
from solutions import lesson04, lesson05  # noqa: E402
from solutions.gpt import REFERENCE_OPS  # noqa: E402
from solutions.lesson08 import train_gpt  # noqa: E402

COMPARISON = ROOT / "lessons" / "helpers" / "model_comparison.csv"
FIELDS = ("series", "budget", "steps", "params", "tokens_per_step", "characters_seen",
          "held_out_bits_per_char", "seconds")
GPT_SHAPE, BATCH_SIZE, MAX_LR = LESSON_SHAPE, LESSON_BATCH_SIZE, LESSON_MAX_LR
LESSON_BUDGET = LESSON_STEPS * BATCH_SIZE * GPT_SHAPE["context"]  # 819,200 predictions, trained live
BUDGETS = [LESSON_BUDGET // 4 * 2**k for k in range(7)]  # 204,800 to 13,107,200
BPE_MERGES, BPE_BUDGETS = 256, [LESSON_BUDGET * 4**k for k in range(3)]


@dataclass(frozen=True)
class Corpus:
    """A text as ids of some vocabulary, and how many characters it has."""

    train: torch.Tensor
    held_out: torch.Tensor
    held_out_chars: int
    vocab_size: int


def character_corpus() -> Corpus:
    train, held_out = split_corpus(load_corpus())
    index = {ch: i for i, ch in enumerate(VOCAB)}
    ids = [torch.tensor([index[ch] for ch in part]) for part in (train, held_out)]
    return Corpus(*ids, len(held_out), len(VOCAB))


def bpe_corpus() -> Corpus:
    """Lesson 05's byte-pair tokens, learned from the training text only."""
    train, held_out = split_corpus(load_corpus())
    merges = lesson05.train_bpe(train, BPE_MERGES)
    ids = [torch.tensor(lesson05.encode(part, merges)) for part in (train, held_out)]
    return Corpus(*ids, len(held_out), 256 + len(merges))


def no_attention(x: torch.Tensor, *maps_and_heads: object, causal: bool = True) -> torch.Tensor:
    """The ablation: attention that moves nothing, so each position sees only its own token."""
    return torch.zeros_like(x)


def run_gpt(corpus: Corpus, budget: int, attention: bool = True) -> dict:
    """Train lesson 08's GPT on `budget` predictions (tokens); held-out bits per character.

    The held-out loss is summed over every predicted token and divided by the characters
    they spell, so characters and byte-pair tokens are measured in the same unit.
    """
    ops = REFERENCE_OPS if attention else replace(REFERENCE_OPS, multi_head_attention=no_attention)
    model = GPT(GPTConfig(vocab_size=corpus.vocab_size, **GPT_SHAPE), ops, seed=0)
    tokens_per_step = BATCH_SIZE * GPT_SHAPE["context"]
    steps = budget // tokens_per_step
    train_gpt(model, corpus.train, corpus.held_out[:2048], context=GPT_SHAPE["context"], steps=steps,
              batch_size=BATCH_SIZE, max_lr=MAX_LR, eval_every=steps, evaluate=evaluate)
    nats = evaluate(model, corpus.held_out) * (len(corpus.held_out) - 1)
    return {"steps": steps, "params": model.n_params(), "tokens_per_step": tokens_per_step,
            "held_out_bits_per_char": nats / math.log(2) / (corpus.held_out_chars - 1),
            "characters_seen": budget}


def run_mlp(corpus: Corpus, budget: int) -> dict:
    """Train lesson 04's MLP on `budget` predictions with lesson 04's recipe."""
    model = char_mlp.CharMLP(corpus.vocab_size, lesson04.embed, seed=0)
    steps = budget // char_mlp.BATCH_SIZE
    char_mlp.train_char_mlp(model, *char_mlp.windows_and_targets(corpus.train, model.context), steps=steps,
                            progress=False)
    held_out = char_mlp.windows_and_targets(corpus.held_out, model.context)
    return {"steps": steps, "params": model.n_params(), "tokens_per_step": char_mlp.BATCH_SIZE,
            "held_out_bits_per_char": char_mlp.held_out_loss(model, *held_out) / math.log(2),
            "characters_seen": budget}


def finished() -> set[tuple[str, int]]:
    if not COMPARISON.exists():
        return set()
    with COMPARISON.open() as file:
        return {(row["series"], int(row["budget"])) for row in csv.DictReader(file)}


def append(row: dict) -> None:
    new = not COMPARISON.exists()
    with COMPARISON.open("a", newline="") as file:
        writer = csv.DictWriter(file, FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)


SERIES = ("mlp", "gpt", "gpt_no_attention", "gpt_bpe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", nargs="+", choices=SERIES, default=SERIES,
                        help="run only these series (e.g. two processes, one per core)")
    wanted = parser.parse_args().series
    torch.set_num_threads(1)
    chars = character_corpus()
    plan = [(series, budget) for series in wanted
            for budget in (BPE_BUDGETS if series == "gpt_bpe" else BUDGETS)]
    todo = [(series, budget) for series, budget in plan if (series, budget) not in finished()]
    bpe = bpe_corpus() if any(series == "gpt_bpe" for series, _ in todo) else None
    for series, budget in tqdm(todo, desc="comparison runs", unit="run"):
        if (series, budget) in finished():  # another process ran it meanwhile
            continue
        started = time.perf_counter()
        if series == "mlp":
            result = run_mlp(chars, budget)
        elif series == "gpt_bpe":
            result = run_gpt(bpe, budget)
            result["characters_seen"] = round(budget * chars.train.numel() / bpe.train.numel())
        else:
            result = run_gpt(chars, budget, attention=series == "gpt")
        append({"series": series, "budget": budget, **result,
                "held_out_bits_per_char": f"{result['held_out_bits_per_char']:.4f}",
                "seconds": f"{time.perf_counter() - started:.1f}"})


if __name__ == "__main__":
    main()
