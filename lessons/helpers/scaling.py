"""The course's scaling study: its grid, one training run, and its results.

`assets/scaling_study.py` trains the course's GPT (`helpers.gpt.GPT`) at several sizes
and for several amounts of text, and writes one row per run to RESULTS; lesson 12 reads
that file and trains LIVE_RUN again in front of the learner. Both train with `run_once`
below, so a run in the lesson is the same computation as the row it is compared with.

    >>> results = load_results()                    # columns as numpy arrays
    >>> results["held_out_loss"][results["steps"] == 500]

Every run reads `helpers.text.long_training_text()` (Python's documentation topics and the
standard library's docstrings, about 2.0M characters) and is scored on the same held-out
text as every model of the course (the last tenth of the topics). That text is built from
the files of the Python that runs the code, so another version of Python gives other text:
each row records the fingerprint (`text_hash()`) of the text it was trained and scored on.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from helpers.gpt import GPT, GPTConfig, Ops, evaluate
from helpers.text import VOCAB, long_training_text, text_fingerprint

#: The results of the study, one row per run (made by assets/scaling_study.py).
RESULTS = Path(__file__).with_name("scaling_results.csv")
#: The command that makes RESULTS, named by every error about it.
REBUILD = "python assets/scaling_study.py"

CONTEXT = 64  # characters a model reads at once
BATCH_SIZE = 32  # windows per step
TOKENS_PER_STEP = BATCH_SIZE * CONTEXT  # 2,048 characters predicted per step
SEED = 0


@dataclass(frozen=True)
class Size:
    """One model size of the study: its width, depth and number of heads."""

    d_model: int
    n_layers: int
    n_heads: int

    @property
    def name(self) -> str:
        return f"d{self.d_model}-L{self.n_layers}"

    def config(self) -> GPTConfig:
        return GPTConfig(vocab_size=len(VOCAB), d_model=self.d_model, n_layers=self.n_layers,
                         n_heads=self.n_heads, context=CONTEXT, p_drop=0.0)

    @property
    def max_lr(self) -> float:
        """The peak learning rate, 0.02 x 48 / d_model (at most 0.04): wider models need smaller steps.

        Chosen by short trial runs at widths 16, 48 and 96 (assets/README.md).
        """
        return round(min(0.04, 0.02 * 48 / self.d_model), 4)


#: The sizes, smallest first: about 6,000 to 1,000,000 parameters outside the embeddings.
SIZES = (Size(16, 2, 2), Size(24, 2, 2), Size(32, 2, 4), Size(48, 3, 4), Size(64, 4, 4),
         Size(96, 4, 4), Size(128, 5, 4))


@dataclass(frozen=True)
class Run:
    """One training run of the study: a size, a number of steps and a seed."""

    size: Size
    steps: int
    seed: int = SEED
    held_back: bool = False  # kept out of the lesson's fit, to be predicted

    @property
    def tokens(self) -> int:
        return self.steps * TOKENS_PER_STEP


def study_grid() -> list[Run]:
    """Every run of the study, cheapest first within each size.

    Each size trains for 125, 250, 500, 1,000 and 2,000 steps (256k to 4.1M characters),
    the 96-wide one up to 1,000; the largest model trains once, for 500 steps, and that run
    is held back for the lesson's prediction. Two more seeds of one small run measure the noise.
    """
    steps_of = {96: (125, 250, 500, 1000), 128: (500,)}
    runs = [Run(size, steps, held_back=(size.d_model == 128 and steps == 500))
            for size in SIZES for steps in steps_of.get(size.d_model, (125, 250, 500, 1000, 2000))]
    noise = SIZES[2]
    return runs + [Run(noise, 500, seed) for seed in (1, 2)]


#: The run lesson 12 trains again live: the smallest size for 250 steps (a row of the grid).
LIVE_RUN = Run(SIZES[0], 250)


def text_hash() -> str:
    """A fingerprint of `long_training_text()` as this Python builds it: 16 hex digits.

    Two Pythons that build the same training and held-out text give the same fingerprint;
    the course's checkpoint records the same fingerprint of its text.
    """
    return text_fingerprint(*long_training_text())


def non_embedding_params(config: GPTConfig) -> int:
    """Parameters outside the token and position embeddings: the blocks and the final norm."""
    return GPT(config, _NO_OPS).n_params() - (config.vocab_size + config.context) * config.d_model


def text_ids() -> tuple[torch.Tensor, torch.Tensor]:
    """(train, held_out) of `long_training_text()` as tensors of ids in VOCAB."""
    index = {ch: i for i, ch in enumerate(VOCAB)}
    return tuple(torch.tensor([index[ch] for ch in text]) for text in long_training_text())


def run_once(run: Run, ops: Ops, train_gpt: Callable[..., dict], train_ids: torch.Tensor,
             held_out_ids: torch.Tensor, progress: Callable[[], None] | None = None) -> float:
    """Train a fresh GPT of `run.size` for `run.steps` steps; return its held-out loss (nats).

    train_gpt is lesson 08's training loop; progress, if given, is called after every
    training step (e.g. a progress bar's update).
    """
    model = GPT(run.size.config(), ops, seed=run.seed)
    if progress is not None:
        def after_forward(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if module.training:  # one training step (evaluation runs in eval mode)
                progress()

        model.register_forward_hook(after_forward)
    history = train_gpt(model, train_ids, held_out_ids, context=CONTEXT, steps=run.steps,
                        batch_size=BATCH_SIZE, max_lr=run.size.max_lr, eval_every=run.steps,
                        evaluate=evaluate, seed=run.seed)
    return history["held_out"][-1][1]


#: The columns of RESULTS, in order.
COLUMNS = ("size", "d_model", "n_layers", "n_heads", "params_non_embedding", "params_total",
           "steps", "tokens", "flops", "seed", "max_lr", "held_out_loss", "seconds", "cpu_seconds",
           "held_back", "text_hash")
_TEXT_COLUMNS = {"size", "text_hash"}
_FLOAT_COLUMNS = {"flops", "max_lr", "held_out_loss", "seconds", "cpu_seconds"}


class ResultsMissing(FileNotFoundError):
    """The study's results are not there (or not readable): the message names the script."""


def load_results(path: Path = RESULTS) -> dict[str, np.ndarray]:
    """The study's results: {column: array with one entry per run}, in the file's order.

    `size` and `text_hash` are arrays of strings, `held_back` of booleans, counts are
    integers and the rest floats. Raises ResultsMissing, naming the script that makes the
    file, when the file is missing, is not the study's table, or lacks a run of
    `study_grid()` (a study that was interrupted).
    """
    if not path.exists():
        raise ResultsMissing(f"no scaling results at {path}: run  {REBUILD}  from the course "
                             "folder to make them (about an hour on one CPU thread)")
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    if set(COLUMNS) - set(reader.fieldnames or ()):
        raise ResultsMissing(f"{path} is not the scaling study's table (columns {', '.join(COLUMNS)}); "
                             f"run  {REBUILD}  to make it again")
    found = {(row["size"], row["steps"], row["seed"]) for row in rows}
    missing = [run for run in study_grid()
               if (run.size.name, str(run.steps), str(run.seed)) not in found]
    if missing:
        first = missing[0]
        raise ResultsMissing(f"{path} lacks {len(missing)} of the study's {len(study_grid())} runs "
                             f"(the first: {first.size.name}, {first.steps} steps, seed {first.seed}); "
                             f"the study did not finish: run  {REBUILD}  to finish it "
                             "(it keeps the runs already there)")
    table = {}
    for column in COLUMNS:
        values = [row[column] for row in rows]
        if column in _TEXT_COLUMNS:
            table[column] = np.array(values)
        elif column == "held_back":
            table[column] = np.array([value == "1" for value in values])
        else:
            table[column] = np.array(values, dtype=float if column in _FLOAT_COLUMNS else np.int64)
    return table


def _unused(*args: object, **kwargs: object) -> None:
    raise RuntimeError("this model only counts parameters")


#: Ops for a GPT that is only counted, never run.
_NO_OPS = Ops(_unused, _unused, _unused, _unused, _unused, _unused)
