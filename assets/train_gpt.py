"""Train the course's GPT longer than a lesson can, and write the checkpoint lessons 11-13 use.

    python assets/train_gpt.py             # train (or resume) and write the checkpoint
    python assets/train_gpt.py --verify 20 # rerun the first 20 steps, compare with the log

The model is `helpers.gpt.GPT` computed by the reference answers of lessons 07-08 (the
architecture the learner writes), trained on `helpers.text.long_training_text()`: the
documentation topics' training part and the standard library's docstrings, with lesson
04's held-out text kept out. Everything is seeded: the same Python and PyTorch give the
same checkpoint. A run saves its state every SAVE_EVERY steps to STATE and resumes from it
when started again, so an interrupted run loses at most SAVE_EVERY steps.

The checkpoint (CHECKPOINT, float16 weights, a few MB) holds the configuration, the
weights, the vocabulary, a hash of the training and held-out text, and the training log:
the loss of every step, the held-out bits per character every EVAL_EVERY steps, the wall
time and the machine's thread count.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from helpers.gpt import GPTConfig, evaluate, save_checkpoint  # noqa: E402
from helpers.text import VOCAB, long_training_text, text_fingerprint  # noqa: E402
from solutions.gpt import reference_gpt  # noqa: E402
from solutions.lesson08 import get_batch, learning_rate  # noqa: E402

CONFIG = GPTConfig(vocab_size=len(VOCAB), d_model=128, n_layers=6, n_heads=4, context=128, p_drop=0.05)
STEPS, BATCH_SIZE, MAX_LR, SEED = 5000, 32, 2e-3, 0
WARMUP = STEPS // 20
EVAL_EVERY, SAVE_EVERY = 500, 250
CHECKPOINT = ROOT / "lessons" / "helpers" / "course_gpt.pt"
STATE = ROOT / "assets" / "train_gpt.state.pt"  # the resumable run (not committed)
THREADS = 1  # one thread: on a shared 2-core machine two threads wait for each other


def encode(text: str) -> torch.Tensor:
    index = {ch: i for i, ch in enumerate(VOCAB)}
    return torch.tensor([index[ch] for ch in text])


def new_run(model: torch.nn.Module) -> dict:
    """The state of a run at step 0: optimizer, random generators and an empty log."""
    torch.manual_seed(SEED)
    optimizer = torch.optim.AdamW(model.parameters(), betas=(0.9, 0.95), weight_decay=0.1)
    return {"step": 0, "optimizer": optimizer,
            "batches": torch.Generator().manual_seed(SEED),
            "log": {"train_loss": [], "held_out_bits": [], "seconds": 0.0, "threads": THREADS}}


def save_state(path: Path, model: torch.nn.Module, run: dict) -> None:
    torch.save({"step": run["step"], "model": model.state_dict(), "optimizer": run["optimizer"].state_dict(),
                "batches": run["batches"].get_state(), "torch_rng": torch.get_rng_state(), "log": run["log"]},
               path)


def load_state(path: Path, model: torch.nn.Module, run: dict) -> None:
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    run["optimizer"].load_state_dict(state["optimizer"])
    run["batches"].set_state(state["batches"])
    torch.set_rng_state(state["torch_rng"])
    run["step"], run["log"] = state["step"], state["log"]


def train_step(model: torch.nn.Module, run: dict, train_ids: torch.Tensor) -> float:
    """One step of lesson 08's loop (warm-up and cosine schedule, AdamW, clipping)."""
    for group in run["optimizer"].param_groups:
        group["lr"] = learning_rate(run["step"], STEPS, MAX_LR, WARMUP)
    inputs, targets = get_batch(train_ids, BATCH_SIZE, CONFIG.context, run["batches"])
    loss = F.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
    run["optimizer"].zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    run["optimizer"].step()
    run["step"] += 1
    return loss.item()


def bits_per_char(model: torch.nn.Module, ids: torch.Tensor) -> float:
    return evaluate(model, ids) / math.log(2)


def train(resume: bool = True) -> None:
    """Train to STEPS (resuming from STATE if present) and write CHECKPOINT."""
    train_text, held_out_text = long_training_text()
    train_ids, held_out_ids = encode(train_text), encode(held_out_text)
    model = reference_gpt(CONFIG, seed=SEED)
    run = new_run(model)
    if resume and STATE.exists():
        load_state(STATE, model, run)
        print(f"resuming at step {run['step']} of {STEPS}")
    model.train()
    bar = tqdm(total=STEPS, initial=run["step"], desc="training the course GPT", unit="step")
    while run["step"] < STEPS:
        started = time.perf_counter()
        run["log"]["train_loss"].append(train_step(model, run, train_ids))
        if run["step"] % EVAL_EVERY == 0 or run["step"] == STEPS:
            run["log"]["held_out_bits"].append((run["step"], bits_per_char(model, held_out_ids)))
            bar.set_postfix(held_out_bits=f"{run['log']['held_out_bits'][-1][1]:.3f}")
        run["log"]["seconds"] += time.perf_counter() - started
        bar.update()
        if run["step"] % SAVE_EVERY == 0:
            save_state(STATE, model, run)
    bar.close()
    model.half().float()  # the checkpoint stores float16: measure what is stored
    final = bits_per_char(model, held_out_ids)
    save_checkpoint(CHECKPOINT, model, vocab=VOCAB, data_hash=text_fingerprint(train_text, held_out_text),
                    log={**run["log"], "final_held_out_bits": final})
    print(f"held-out {final:.4f} bits per character after {STEPS} steps "
          f"({run['log']['seconds'] / 60:.1f} minutes); wrote {CHECKPOINT}")


def verify(steps: int) -> list[tuple[float, float]]:
    """Rerun the first `steps` steps from scratch; returns (logged, rerun) loss pairs."""
    from helpers.gpt import load_log

    logged = load_log(CHECKPOINT)["train_loss"][:steps]
    train_ids = encode(long_training_text()[0])
    model = reference_gpt(CONFIG, seed=SEED)
    run = new_run(model)
    model.train()
    return [(old, train_step(model, run, train_ids)) for old in logged]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verify", type=int, metavar="N", help="rerun the first N steps and compare")
    parser.add_argument("--restart", action="store_true", help="ignore a saved state and start again")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    if args.verify:
        for step, (old, new) in enumerate(verify(args.verify)):
            print(f"step {step}: logged {old:.6f}, rerun {new:.6f}")
    else:
        train(resume=not args.restart)


if __name__ == "__main__":
    main()
