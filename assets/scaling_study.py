"""The course's scaling study: train the course's GPT at many sizes and lengths, on one CPU thread.

    python assets/scaling_study.py            # run (or finish) the study
    python assets/scaling_study.py --fresh    # forget the results and start again
    python assets/scaling_study.py --list     # print the grid and exit

The grid is `helpers.scaling.study_grid()`: 7 sizes of `helpers.gpt.GPT` (about 6,000 to
1,000,000 parameters outside the embeddings), each trained with lesson 08's loop
(`solutions.lesson08.train_gpt`, computed by the reference answers) for 125 to 2,000 steps
of 32 windows of 64 characters, on `helpers.text.long_training_text()`, and scored on the
course's held-out text. Each finished run is written at once to
`lessons/helpers/scaling_results.csv` (the folder every assignment carries, so lesson 12
can read it); started again, the script skips the runs already there, so an interruption
costs one run. Everything is seeded: the same Python and PyTorch give the same losses.
The text is built from the running Python's own documentation and docstrings, so another
version of Python trains on other text: every row records the text's fingerprint
(`helpers.scaling.text_hash()`), and the script will not finish a table begun on other text.
At the end it writes the notes beside the table (`scaling_results.md`): machine, versions,
the text and the time the study took.

Measured: 55 minutes of wall-clock time (23 minutes of CPU time) for the 32 runs, on one
thread of a 2-core machine that was busy with other jobs (load average about 8).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from helpers.scaling import (  # noqa: E402
    COLUMNS,
    RESULTS,
    Run,
    non_embedding_params,
    run_once,
    study_grid,
    text_hash,
    text_ids,
)
from solutions.gpt import REFERENCE_OPS  # noqa: E402
from solutions.lesson08 import train_gpt  # noqa: E402

NOTES = RESULTS.with_suffix(".md")
THREADS = 1  # one thread: on a shared 2-core machine two threads wait for each other


def key(row: dict) -> tuple[str, int, int]:
    """What identifies a run in the table: its size, steps and seed."""
    return row["size"], int(row["steps"]), int(row["seed"])


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


MEASURED = ("held_out_loss", "seconds", "cpu_seconds", "text_hash")


def write_rows(path: Path, measured: dict[tuple, dict]) -> list[dict]:
    """Write the grid's finished runs, in the grid's order, atomically; return the rows.

    measured: key(run) -> {column: value} for the columns a run measures. The other
    columns are computed from the grid each time, so they always describe it.
    """
    rows = [row_of(run, measured[key(row_of(run, {}))]) for run in study_grid()
            if key(row_of(run, {})) in measured]
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)
    return rows


def row_of(run: Run, measured: dict) -> dict:
    """A run's row: its shape, sizes, compute (6 x non-embedding parameters x tokens) and results."""
    config = run.size.config()
    n = non_embedding_params(config)
    total = n + (config.vocab_size + config.context) * config.d_model
    return {"size": run.size.name, "d_model": config.d_model, "n_layers": config.n_layers,
            "n_heads": config.n_heads, "params_non_embedding": n, "params_total": total,
            "steps": run.steps, "tokens": run.tokens, "flops": f"{6 * n * run.tokens:.4g}",
            "seed": run.seed, "max_lr": run.size.max_lr, "held_back": int(run.held_back), **measured}


def write_notes(rows: list[dict], wall_seconds: float, text: tuple[int, int]) -> None:
    """The table's companion notes: what ran where, on which text, and how long it took.

    text: the number of training and of held-out characters.
    """
    seconds = sum(float(row["seconds"]) for row in rows)
    cpu = sum(float(row["cpu_seconds"]) for row in rows)
    NOTES.write_text(
        "# scaling_results.csv\n\n"
        f"Made by `python assets/scaling_study.py` ({len(rows)} runs; see assets/README.md).\n\n"
        f"- finished: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {THREADS} thread used; "
        f"Python {platform.python_version()}, PyTorch {torch.__version__}\n"
        f"- text: `helpers.text.long_training_text()` as Python {platform.python_version()} builds it, "
        f"{text[0]:,}\n  training and {text[1]:,} held-out characters, fingerprint `{rows[0]['text_hash']}`\n"
        "  (the `text_hash` column); another version of Python builds other text\n"
        f"- training and scoring time, all runs: {seconds / 60:.1f} min wall clock, "
        f"{cpu / 60:.1f} min of CPU\n"
        f"- this session of the script: {wall_seconds / 60:.1f} min (runs found in the table were skipped)\n"
        "- `params_non_embedding` counts the blocks and the final layer norm; `params_total` adds the\n"
        "  token and position embeddings. The lesson's fits and `flops` (6 x N x tokens) use the\n"
        "  non-embedding count, as Kaplan et al. (2020) do.\n"
        "- `seconds` is wall-clock time and `cpu_seconds` the process's CPU time: on a busy machine\n"
        "  the first grows and the second does not.\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", action="store_true", help="start again, ignoring the results there")
    parser.add_argument("--list", action="store_true", help="print the grid and exit")
    args = parser.parse_args(argv)
    torch.set_num_threads(THREADS)
    grid = study_grid()
    if args.list:
        for run in grid:
            row = row_of(run, {})
            print(f"{row['size']:>9} {row['params_non_embedding']:>9,} params {run.steps:>5} steps "
                  f"{run.tokens:>10,} tokens lr {row['max_lr']} seed {run.seed}"
                  f"{'  (held back)' if run.held_back else ''}")
        return
    keys = [key(row_of(run, {})) for run in grid]
    measured = {} if args.fresh else {key(row): {column: row.get(column, "") for column in MEASURED}
                                      for row in read_rows(RESULTS) if key(row) in keys}
    fingerprint = text_hash()
    if other := {row["text_hash"] or "not recorded" for row in measured.values()} - {fingerprint}:
        raise SystemExit(f"{RESULTS.name} was begun on other text (fingerprint {', '.join(sorted(other))}; "
                         f"this Python's is {fingerprint}): finish it with the Python named in "
                         f"{NOTES.name}, or start again with --fresh")
    todo = [run for run, k in zip(grid, keys, strict=True) if k not in measured]
    print(f"{len(measured)} runs already in {RESULTS.name}, {len(todo)} to go")
    started = time.perf_counter()
    rows = write_rows(RESULTS, measured)
    train_ids, held_out_ids = text_ids()
    with tqdm(total=sum(run.steps for run in todo), unit="step", desc="scaling study") as bar:
        for run in todo:
            bar.set_postfix_str(f"{run.size.name}, {run.steps} steps, seed {run.seed}")
            wall, cpu = time.perf_counter(), time.process_time()
            loss = run_once(run, REFERENCE_OPS, train_gpt, train_ids, held_out_ids, progress=bar.update)
            measured[key(row_of(run, {}))] = {"held_out_loss": f"{loss:.5f}",
                                              "seconds": f"{time.perf_counter() - wall:.1f}",
                                              "cpu_seconds": f"{time.process_time() - cpu:.1f}",
                                              "text_hash": fingerprint}
            rows = write_rows(RESULTS, measured)
            bar.write(f"{run.size.name:>9} {run.steps:>5} steps seed {run.seed}: held-out loss {loss:.4f} "
                      f"({time.perf_counter() - wall:.0f} s)")
    write_notes(rows, time.perf_counter() - started, (len(train_ids), len(held_out_ids)))
    print(f"wrote {RESULTS} and {NOTES} in {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
