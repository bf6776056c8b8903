"""Time lesson 11's GPT coder on the whole held-out text: the sender, and the receiver.

    .venv/bin/python benchmarks/gpt_decoding.py [--models course,lesson]

Lesson 11 encodes the whole held-out text with a GPT but decodes only its first
characters live, because the receiver needs one GPT call per character. This script
decodes all of it, on one thread, with the reference answers of lessons 07, 08 and 11:

* `course`: the course's checkpoint (lessons/helpers/course_gpt.pt);
* `lesson`: a GPT of lesson 08's shape (its weights do not change the time: the same
  calls, the same arithmetic), freshly initialised with seed 0.

For each it prints the sender's time (one GPT call per window, then the coder), the
receiver's time for every character, both per character, and whether the decoded text is
the held-out text exactly. A benchmark, not a test: it prints and asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

import torch  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from helpers.compression import GPTCoder, corpus_ids, from_tables  # noqa: E402
from helpers.gpt import LESSON_SHAPE, GPTConfig, load_checkpoint  # noqa: E402
from solutions.gpt import REFERENCE_OPS, reference_gpt  # noqa: E402
from solutions.lesson11 import decode, encode, frequencies  # noqa: E402


class Counted:
    """A model for the coder that advances a progress bar at every call."""

    def __init__(self, model: GPTCoder, bar: tqdm) -> None:
        self.model, self.bar = model, bar

    def __call__(self, history: list[int]) -> list[int]:
        self.bar.update()
        return self.model(history)


def time_gpt(name: str, gpt: torch.nn.Module, ids: list[int]) -> None:
    """Encode all of `ids` with `gpt`, decode all of it, and print the times."""
    coder = GPTCoder(gpt, frequencies, len(ids))
    start = time.perf_counter()
    data = encode(ids, from_tables(coder.sender_tables(ids)))
    sent = time.perf_counter() - start
    with tqdm(total=len(ids), desc=f"{name}: receiver", unit="char") as bar:
        start = time.perf_counter()
        back = decode(data, len(ids), Counted(coder, bar))
        received = time.perf_counter() - start
    print(f"{name}: {len(ids):,} characters -> {len(data):,} bytes; sender {sent:.1f} s "
          f"({1e3 * sent / len(ids):.2f} ms per character); receiver {received:.1f} s = "
          f"{received / 60:.1f} min ({1e3 * received / len(ids):.1f} ms per character); "
          f"decoded text identical: {back == ids}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="course,lesson", help="comma-separated: course, lesson")
    wanted = parser.parse_args().models.split(",")
    torch.set_num_threads(1)
    vocab, _, held_out_ids, _, _ = corpus_ids()
    ids = held_out_ids.tolist()
    print(f"one thread; PyTorch {torch.__version__}")
    if "course" in wanted:
        model, _ = load_checkpoint(REFERENCE_OPS)
        time_gpt(f"course GPT ({model.n_params():,} parameters)", model, ids)
    if "lesson" in wanted:
        model = reference_gpt(GPTConfig(vocab_size=len(vocab), **LESSON_SHAPE), seed=0)
        time_gpt(f"lesson 08's GPT ({model.n_params():,} parameters)", model, ids)


if __name__ == "__main__":
    main()
