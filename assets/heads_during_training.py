"""Replay the start of the course GPT's training and watch its heads form (lesson 13).

    python assets/heads_during_training.py            # replay and write RESULT
    python assets/heads_during_training.py --steps 300 --every 50 --out /tmp/h.json   # a shorter look

assets/train_gpt.py trains the checkpoint that lessons 11-13 use and keeps only its last
weights. This script replays the same run with train_gpt's own functions (same seed, data,
batches and learning-rate schedule, one thread), so its weights at step s are the
checkpoint run's weights at step s. Every EVERY steps it measures every head on the two
kinds of repeated text lesson 13 uses, each 8 texts of 50 characters written twice:
random characters (seed 0) and stretches of the held-out documentation. For each: every
head's previous-token and induction score (the references of lesson 13), and the model's
loss on the first and on the second copy. RESULT (JSON) holds the measurements
and the settings; lesson 13 plots it and tests/test_lesson13.py checks the figures the
lesson quotes from it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT.parent), str(ROOT.parent / "lessons"), str(ROOT)]

import train_gpt  # noqa: E402

from helpers.interp import repeated_held_out, repeated_random_tokens, surprise  # noqa: E402
from solutions.gpt import reference_gpt  # noqa: E402
from solutions.lesson13 import attention_patterns, induction_scores, previous_token_scores  # noqa: E402

STEPS, EVERY = 5000, 100
N_TEXTS, PERIOD, SEED = 8, 50, 0
RESULT = ROOT.parent / "lessons" / "helpers" / "heads_during_training.json"


def measure_on(model: torch.nn.Module, repeated: torch.Tensor) -> dict:
    """Head scores and the loss (bits per character) on each copy of the repeated texts."""
    patterns = attention_patterns(model, repeated)
    lost = surprise(model, repeated) / math.log(2)  # (B, 2 * PERIOD - 1): position t predicts t + 1
    return {"previous": previous_token_scores(patterns).tolist(),
            "induction": induction_scores(patterns, PERIOD).tolist(),
            "first_copy_bits": lost[:, :PERIOD - 1].mean().item(),
            "second_copy_bits": lost[:, PERIOD:].mean().item()}


def measure(model: torch.nn.Module, texts: dict[str, torch.Tensor]) -> dict:
    """measure_on each kind of repeated text, the model in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    result = {kind: measure_on(model, repeated) for kind, repeated in texts.items()}
    model.train(was_training)
    return result


def replay(steps: int, every: int, out: Path) -> None:
    """Train as train_gpt does for `steps` steps, measuring at step 0 and every `every` steps;
    `out` is rewritten after each measurement, so a stopped run keeps what it measured."""
    train_ids = train_gpt.encode(train_gpt.long_training_text()[0])
    model = reference_gpt(train_gpt.CONFIG, seed=train_gpt.SEED)
    run = train_gpt.new_run(model)
    repeated = {"random": repeated_random_tokens(N_TEXTS, PERIOD, train_gpt.CONFIG.vocab_size, seed=SEED),
                "held_out": repeated_held_out(train_gpt.VOCAB, N_TEXTS, PERIOD)}
    model.train()
    settings = {"n_texts": N_TEXTS, "period": PERIOD, "seed": SEED, "every": every,
                "config": train_gpt.CONFIG.as_dict()}
    steps_seen, measures = [0], [measure(model, repeated)]
    started = time.perf_counter()
    while run["step"] < steps:
        train_gpt.train_step(model, run, train_ids)
        if run["step"] % every == 0:
            steps_seen.append(run["step"])
            measures.append(measure(model, repeated))
            out.write_text(json.dumps({"settings": settings, "steps": steps_seen, "measures": measures},
                                      indent=1) + "\n")
            print(f"step {run['step']:>5} ({time.perf_counter() - started:.0f} s):", "; ".join(
                f"{kind}: best induction score {max(max(row) for row in m['induction']):.3f}, second copy "
                f"{m['second_copy_bits']:.2f} bits" for kind, m in measures[-1].items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--every", type=int, default=EVERY)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    torch.set_num_threads(train_gpt.THREADS)
    replay(args.steps, args.every, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
