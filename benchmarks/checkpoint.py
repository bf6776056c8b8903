"""Print the shipped checkpoint's figures: its load time and its held-out bits per character
beside gzip, bz2 and xz, alone and primed with each training text.

    .venv/bin/python benchmarks/checkpoint.py > docs/benchmark-checkpoint.txt

Targets (issue 14): the checkpoint loads in under 1 s; its held-out bits per character at or
below xz primed with the same training text. "The same text" is lesson 11's: the characters
the GPT read, in the order `helpers.text.long_training_primer` gives (the documentation
topics last, right before the held-out text), so the two figures agree. One thread, as the
lessons run. This is a benchmark: it prints, it asserts nothing. The first line records
when, on what load, and with which Python and PyTorch it ran.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from helpers.compression import compressor_sizes  # noqa: E402
from helpers.gpt import evaluate, load_checkpoint, load_log  # noqa: E402
from helpers.text import VOCAB, load_corpus, long_training_primer, long_training_text, split_corpus  # noqa: E402
from solutions.gpt import REFERENCE_OPS  # noqa: E402

LOADS = 7  # load_checkpoint calls timed; the median is the figure
SAME_TEXT = "the checkpoint's training text (docstrings, then topics)"


def load_seconds(repeats: int = LOADS) -> list[float]:
    """Wall times of `load_checkpoint`, the whole call (read, build, load the weights)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        load_checkpoint(REFERENCE_OPS)
        times.append(time.perf_counter() - started)
    return times


def circumstances() -> str:
    """One line: the time (UTC), the load averages, the Python and PyTorch versions."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"# {now}, load {load} (1, 5, 15 min), {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, torch {torch.__version__}, "
            f"{torch.get_num_threads()} thread")


def main() -> None:
    torch.set_num_threads(1)
    print(circumstances())
    times = load_seconds()
    print(f"load_checkpoint: median of {len(times)} loads {statistics.median(times):.3f} s, slowest "
          f"{max(times):.3f} s (target under 1 s)")
    model, _ = load_checkpoint(REFERENCE_OPS)
    _, held_out = long_training_text()
    index = {ch: i for i, ch in enumerate(VOCAB)}
    bits = evaluate(model, torch.tensor([index[ch] for ch in held_out])) / math.log(2)
    log = load_log()
    print(f"checkpoint: {model.n_params():,} parameters, trained {len(log['train_loss']):,} steps in "
          f"{log['seconds'] / 60:.1f} min; held-out {bits:.4f} bits per character (logged "
          f"{log['final_held_out_bits']:.4f})")
    n = len(held_out)
    primed_xz = {}
    for name, train in (("the topics' training text", split_corpus(load_corpus())[0]),
                        (SAME_TEXT, long_training_primer())):
        sizes = compressor_sizes(train.encode(), held_out.encode())
        primed_xz[name] = 8 * sizes["xz"]["primed"] / n
        print(f"primed with {name} ({len(train):,} characters):")
        for method, size in sizes.items():
            print(f"  {method:>4}: primed {8 * size['primed'] / n:.4f}, alone {8 * size['alone'] / n:.4f} "
                  f"bits per character")
    print(f"checkpoint minus xz primed with the same text: {bits - primed_xz[SAME_TEXT]:+.4f} bits per "
          "character (target: 0 or less)")


if __name__ == "__main__":
    main()
