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

The replay is as slow as the training (hours on one thread), so it resumes: with each
measurement it saves its run (weights, optimizer, random generators) to STATE, not
committed, and a later call continues from there and from RESULT's measurements. At step
STEPS it checks that the replayed weights are the checkpoint's.
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
STATE = ROOT / "heads_during_training.state.pt"  # the resumable replay (not committed)


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


def replay(steps: int, every: int, out: Path, state: Path | None = None) -> None:
    """Train as train_gpt does for `steps` steps, measuring at step 0 and every `every` steps.

    `out` is rewritten and `state` (if given) saved after each measurement; a `state` left
    by an earlier call with the same settings is resumed, with `out`'s measurements so far.
    """
    train_ids = train_gpt.encode(train_gpt.long_training_text()[0])
    model = reference_gpt(train_gpt.CONFIG, seed=train_gpt.SEED)
    run = train_gpt.new_run(model)
    repeated = {"random": repeated_random_tokens(N_TEXTS, PERIOD, train_gpt.CONFIG.vocab_size, seed=SEED),
                "held_out": repeated_held_out(train_gpt.VOCAB, N_TEXTS, PERIOD)}
    settings = {"n_texts": N_TEXTS, "period": PERIOD, "seed": SEED, "every": every,
                "config": train_gpt.CONFIG.as_dict()}
    history = {"settings": settings, "steps": [0], "measures": [measure(model, repeated)]}
    if state is not None and state.exists() and out.exists():
        history = resumed(state, out, settings, model, run)
    model.train()
    started = time.perf_counter()
    while run["step"] < steps:
        train_gpt.train_step(model, run, train_ids)
        if run["step"] % every == 0:
            history["steps"].append(run["step"])
            history["measures"].append(measure(model, repeated))
            out.write_text(json.dumps(history, indent=1) + "\n")
            if state is not None:
                train_gpt.save_state(state, model, run)
            print(f"step {run['step']:>5} ({time.perf_counter() - started:.0f} s):", "; ".join(
                f"{kind}: best induction score {max(max(row) for row in m['induction']):.3f}, second copy "
                f"{m['second_copy_bits']:.2f} bits" for kind, m in history["measures"][-1].items()),
                flush=True)
    if run["step"] == train_gpt.STEPS:
        print("the replayed weights are the checkpoint's:", same_as_checkpoint(model))


def resumed(state: Path, out: Path, settings: dict, model: torch.nn.Module, run: dict) -> dict:
    """Load the run saved in `state` into `model` and `run`; the measurements `out` holds up
    to its step. Refuses a state or a result made with other settings."""
    history = json.loads(out.read_text())
    if history["settings"] != settings:
        raise SystemExit(f"{out} was measured with other settings than these; delete {state} "
                         "to start again")
    train_gpt.load_state(state, model, run)
    kept = [i for i, step in enumerate(history["steps"]) if step <= run["step"]]
    if history["steps"][kept[-1]] != run["step"]:
        raise SystemExit(f"{state} is at step {run['step']}, which {out} has not measured; "
                         f"delete {state} to start again")
    print(f"resuming at step {run['step']}")
    return {"settings": settings, "steps": [history["steps"][i] for i in kept],
            "measures": [history["measures"][i] for i in kept]}


def same_as_checkpoint(model: torch.nn.Module) -> bool:
    """Whether the replayed weights, in float16 as the checkpoint stores them, are its weights."""
    stored = torch.load(train_gpt.CHECKPOINT, weights_only=True)["weights"]
    return all(torch.equal(value.half(), stored[name]) for name, value in model.state_dict().items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--every", type=int, default=EVERY)
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--restart", action="store_true", help="ignore a saved state and start again")
    args = parser.parse_args()
    torch.set_num_threads(train_gpt.THREADS)
    replay(args.steps, args.every, args.out, state=None if args.restart else STATE)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
