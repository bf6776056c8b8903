"""Print the shipped checkpoint's figures: its load time and its held-out bits per character
beside gzip, bz2 and xz, alone and primed with each training text.

    .venv/bin/python benchmarks/checkpoint.py

Targets (issue 14): the checkpoint loads in under 1 s; its held-out bits per character at or
below xz primed with the same training text. One thread, as the lessons run. This is a
benchmark: it prints, it asserts nothing.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from helpers.compression import compressor_sizes  # noqa: E402
from helpers.gpt import evaluate, load_checkpoint, load_log  # noqa: E402
from helpers.text import VOCAB, load_corpus, long_training_text, split_corpus  # noqa: E402
from solutions.gpt import REFERENCE_OPS  # noqa: E402


def load_seconds(repeats: int = 5) -> list[float]:
    """Wall times of `load_checkpoint`, the whole call (read, build, load the weights)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        load_checkpoint(REFERENCE_OPS)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    torch.set_num_threads(1)
    times = load_seconds()
    print(f"load_checkpoint: median {sorted(times)[len(times) // 2]:.3f} s, slowest {max(times):.3f} s "
          f"(target under 1 s)")
    model, _ = load_checkpoint(REFERENCE_OPS)
    long_train, held_out = long_training_text()
    index = {ch: i for i, ch in enumerate(VOCAB)}
    bits = evaluate(model, torch.tensor([index[ch] for ch in held_out])) / math.log(2)
    log = load_log()
    print(f"checkpoint: {model.n_params():,} parameters, trained {len(log['train_loss']):,} steps in "
          f"{log['seconds'] / 60:.1f} min; held-out {bits:.4f} bits per character (logged "
          f"{log['final_held_out_bits']:.4f})")
    topics_train = split_corpus(load_corpus())[0]
    n = len(held_out)
    for name, train in (("the topics' training text", topics_train),
                        ("the checkpoint's training text (topics + docstrings)", long_train)):
        sizes = compressor_sizes(train.encode(), held_out.encode())
        print(f"primed with {name} ({len(train):,} characters):")
        for method, size in sizes.items():
            print(f"  {method:>4}: primed {8 * size['primed'] / n:.4f}, alone {8 * size['alone'] / n:.4f} "
                  f"bits per character")


if __name__ == "__main__":
    main()
