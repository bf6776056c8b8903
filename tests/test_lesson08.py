"""Lesson 08: the course's GPT on the references agrees with PyTorch's own modules, calls the
learner's dropout when it drops, the lesson's live runs land on the committed comparison, the
GPT beats the MLP at the largest budget, a diverging loop is told why, the parameter counter
reproduces GPT-1, GPT-2 and GPT-3, and the text's figures hold."""

import csv
import dataclasses
import math
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from autograder.mutants.lesson08 import train_gpt_on_its_own
from helpers import char_mlp, gpt
from helpers.checking import CheckFailed
from helpers.checks import lesson08 as check
from helpers.text import VOCAB, load_corpus, split_corpus
from solutions import lesson04, lesson08
from solutions.gpt import REFERENCE_OPS, reference_gpt
from tests.figures import assert_stated, markdown_of

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "lessons" / "08_transformer_block.ipynb"

F = nn.functional
generator = torch.Generator().manual_seed(0)


def randn(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


class TorchBlock(nn.Module):
    """A pre-norm block from PyTorch's own modules (LayerNorm, MultiheadAttention, Linear, GELU),
    loaded with the weights of one of the course's blocks."""

    def __init__(self, ours: torch.nn.Module) -> None:
        super().__init__()
        d_model, n_heads = ours.attn.W_q.shape[0], ours.attn.n_heads
        self.ln1, self.ln2 = nn.LayerNorm(d_model).double(), nn.LayerNorm(d_model).double()
        self.attention = nn.MultiheadAttention(d_model, n_heads, bias=False, batch_first=True).double()
        self.up = nn.Linear(d_model, 4 * d_model).double()
        self.down = nn.Linear(4 * d_model, d_model).double()
        with torch.no_grad():
            for norm, theirs in ((self.ln1, ours.ln_1), (self.ln2, ours.ln_2)):
                norm.weight.copy_(theirs.scale)
                norm.bias.copy_(theirs.shift)
            # in_proj_weight is (3 C, C), applied as x @ W.T: our (C, C) maps, transposed
            maps = torch.cat([ours.attn.W_q, ours.attn.W_k, ours.attn.W_v], dim=1)  # (C, 3 C)
            self.attention.in_proj_weight.copy_(maps.T)
            self.attention.out_proj.weight.copy_(ours.attn.W_o.T)
            self.up.weight.copy_(ours.mlp.W_up.T)
            self.up.bias.copy_(ours.mlp.b_up)
            self.down.weight.copy_(ours.mlp.W_down.T)
            self.down.bias.copy_(ours.mlp.b_down)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[-2]
        future = torch.ones(T, T, dtype=torch.bool).triu(1)  # True = may NOT look
        h = self.ln1(x)
        x = x + self.attention(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.down(F.gelu(self.up(self.ln2(x))))


def random_gpt(vocab_size: int = 20, d_model: int = 12, n_layers: int = 2, n_heads: int = 3,
               context: int = 9) -> gpt.GPT:
    """The course's GPT on the references, in float64, every weight random (norms and biases too)."""
    model = reference_gpt(gpt.GPTConfig(vocab_size, d_model, n_layers, n_heads, context), seed=1).double()
    with torch.no_grad():
        for weight in model.parameters():
            weight.add_(0.3 * randn(*weight.shape))
    return model


def test_layer_norm_matches_torch():
    x, scale, shift = randn(3, 5, 7) * 4 + 2, randn(7), randn(7)
    expected = F.layer_norm(x, (7,), scale, shift, eps=1e-5)
    torch.testing.assert_close(lesson08.layer_norm(x, scale, shift), expected)


def test_dropout_behaves_like_torchs():
    x = torch.rand(200, 300, generator=generator, dtype=torch.float64) + 0.5
    torch.manual_seed(0)
    ours, theirs = lesson08.dropout(x, 0.3), F.dropout(x, 0.3, training=True)
    for out in (ours, theirs):
        kept = out != 0
        assert abs(kept.double().mean().item() - 0.7) < 0.01
        torch.testing.assert_close(out[kept], x[kept] / 0.7)
    assert torch.equal(lesson08.dropout(x, 0.3, training=False), F.dropout(x, 0.3, training=False))


def test_mlp_matches_a_torch_sequential():
    d = 6
    net = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)).double()
    x = randn(2, 5, d)
    up, down = net[0], net[2]
    got = lesson08.mlp(x, up.weight.T, up.bias, down.weight.T, down.bias)
    torch.testing.assert_close(got, net(x))


def test_the_course_gpts_block_matches_pytorchs_modules():
    ours = random_gpt().blocks[0]
    x = randn(2, 7, 12)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), TorchBlock(ours)(x))


def test_the_course_gpt_matches_a_gpt_of_pytorchs_modules():
    model = random_gpt()
    tokens = torch.randint(20, (3, 8), generator=generator)
    with torch.no_grad():
        x = F.embedding(tokens, model.token_embedding) + model.position_embedding[:8]
        for ours in model.blocks:
            x = TorchBlock(ours)(x)
        x = F.layer_norm(x, (12,), model.ln_f.scale, model.ln_f.shift)
        expected = F.linear(x, model.token_embedding)  # the tied unembedding
        torch.testing.assert_close(model(tokens), expected)


def test_the_course_gpt_is_causal_and_reads_at_most_its_context():
    model = random_gpt()
    tokens = torch.randint(20, (9,), generator=generator)
    changed = tokens.clone()
    changed[-1] = (changed[-1] + 1) % 20
    with torch.no_grad():
        before, after = model(tokens), model(changed)
    torch.testing.assert_close(before[:-1], after[:-1])
    assert not torch.allclose(before[-1], after[-1])
    with pytest.raises(ValueError, match="at most 9 tokens"):
        model(torch.zeros(10, dtype=torch.long))


def test_dropout_acts_only_while_the_model_trains():
    model = reference_gpt(gpt.GPTConfig(20, 12, 2, 3, 9, p_drop=0.5), seed=0)
    tokens = torch.randint(20, (2, 9), generator=generator)
    with torch.no_grad():
        model.eval()
        assert torch.equal(model(tokens), model(tokens))
        model.train()
        assert not torch.equal(model(tokens), model(tokens))


def test_the_gpt_calls_the_learners_dropout_once_on_the_embeddings_and_twice_per_block():
    """The lesson's demo: its GPT with p_drop = 0.1 calls the dropout it is given in both modes."""
    calls = []

    def counted_dropout(x, p, training=True):
        calls.append(training)
        return lesson08.dropout(x, p, training)

    ops = dataclasses.replace(REFERENCE_OPS, dropout=counted_dropout)
    model = gpt.GPT(gpt.GPTConfig(len(VOCAB), **gpt.LESSON_SHAPE, p_drop=0.1), ops, seed=0)
    tokens = torch.randint(len(VOCAB), (2, 16), generator=generator)
    per_pass, n_layers = {}, gpt.LESSON_SHAPE["n_layers"]
    with torch.no_grad():
        for training in (True, False):
            model.train(training)
            calls.clear()
            first, second = model(tokens), model(tokens)
            assert torch.equal(first, second) is not training
            assert set(calls) == {training}
            per_pass[training] = len(calls) // 2
    text = " ".join(markdown_of("08").split())
    assert per_pass == {True: 1 + 2 * n_layers, False: 1 + 2 * n_layers} == {True: 5, False: 5}
    assert n_layers == 2
    assert "Five calls per pass: once on the embeddings and twice in each of the two blocks" in text
    cells = nbformat.read(LESSON, as_version=4).cells
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    assert "p_drop=0.1)" in code and "with `p_drop` = 0.1, built from your functions" in text


def test_the_lesson_trains_without_dropout_and_the_long_run_with_it_as_the_text_says():
    from assets import train_gpt

    text = " ".join(markdown_of("08").split())
    assert gpt.GPTConfig(len(VOCAB), **gpt.LESSON_SHAPE).p_drop == 0.0
    assert "The configuration says `p_drop=0.0`" in text
    assert f"a model this small trained for {gpt.LESSON_STEPS} steps" in text
    assert "at every larger budget, up to sixteen times ours" in text
    assert train_gpt.CONFIG.p_drop == 0.05
    assert "`assets/train_gpt.py`, trains a larger GPT for much longer with `p_drop` = 0.05" in text
    lesson_gpt = reference_gpt(gpt.GPTConfig(len(VOCAB), **gpt.LESSON_SHAPE))
    assert reference_gpt(train_gpt.CONFIG).n_params() > lesson_gpt.n_params()
    assert train_gpt.STEPS > gpt.LESSON_STEPS
    users = [path.name[:2] for path in sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
             if "load_checkpoint(" in path.read_text()]
    assert users == ["11", "13"] and "lessons 11 and 13 use the result" in text


def test_a_loop_that_diverges_is_told_the_likely_causes():
    """A train_gpt that steps far too far: its losses turn nan, and the check names the causes."""
    def train_gpt(model, *args, max_lr, **kwargs):
        return train_gpt_on_its_own(model, *args, max_lr=1e20, **kwargs)

    with pytest.raises(CheckFailed) as failure:
        check.train_gpt(train_gpt)
    message = " ".join(str(failure.value).split())
    assert "some losses are nan" in message and "the run diverged" in message
    for cause in ("a learning rate far too large", "zero_grad is missing",
                  "logits and targets flattened to shapes that do not match"):
        assert cause in message, cause


class GPT2Layout(nn.Module):
    """GPT-2's layout from PyTorch's modules, biases everywhere, the unembedding tied."""

    def __init__(self, d: int, n_layers: int, vocab: int, context: int) -> None:
        super().__init__()
        self.token, self.position = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList(nn.ModuleDict({
            "ln1": nn.LayerNorm(d), "qkv": nn.Linear(d, 3 * d), "out": nn.Linear(d, d),
            "ln2": nn.LayerNorm(d), "up": nn.Linear(d, 4 * d), "down": nn.Linear(4 * d, d),
        }) for _ in range(n_layers))
        self.final = nn.LayerNorm(d)
        self.unembed = nn.Linear(d, vocab, bias=False)
        self.unembed.weight = self.token.weight  # tied: counted once by parameters()


@pytest.mark.parametrize("shape", [(16, 3, 50, 20), (8, 1, 7, 5), (32, 0, 11, 4)])
def test_param_counter_matches_pytorchs_count_of_gpt2s_layout(shape):
    model = GPT2Layout(*shape)
    assert lesson08.gpt_param_count(*shape) == sum(p.numel() for p in model.parameters())


def test_the_lessons_gpt_lacks_exactly_the_attention_biases():
    config = gpt.GPTConfig(len(VOCAB), **gpt.LESSON_SHAPE)
    ours = reference_gpt(config).n_params()
    counted = lesson08.gpt_param_count(config.d_model, config.n_layers, config.vocab_size, config.context)
    assert counted - ours == 4 * config.d_model * config.n_layers
    assert 50_000 < ours < 200_000 and "about a hundred thousand" in markdown_of("08")


PUBLISHED = {"GPT-1": ((768, 12, 40_478, 512), 117e6, "117M"),
             "GPT-2": ((1_600, 48, 50_257, 1_024), 1.5e9, "1.5B"),
             "GPT-3": ((12_288, 96, 50_257, 2_048), 175e9, "175B")}


@pytest.mark.parametrize("model", PUBLISHED)
def test_the_counter_reproduces_the_published_sizes(model):
    shape, size, stated = PUBLISHED[model]
    assert stated in markdown_of("08")
    assert abs(lesson08.gpt_param_count(*shape) / size - 1) < 0.05


def test_gpt2s_paper_figure_and_gpt3s_shares():
    text = markdown_of("08")
    assert "1,542M" in text and abs(lesson08.gpt_param_count(*PUBLISHED["GPT-2"][0]) / 1542e6 - 1) < 0.015
    d, n_layers = 12_288, 96
    count = lesson08.gpt_param_count(*PUBLISHED["GPT-3"][0])
    assert_stated("08", "66", 100 * n_layers * 8 * d**2 / count, 0)
    assert "a third in attention" in text and round(3 * n_layers * 4 * d**2 / count) == 1


def test_the_lesson_states_its_gpts_shape_and_budget():
    text, shape = markdown_of("08"), gpt.LESSON_SHAPE
    batch, steps, T = gpt.LESSON_BATCH_SIZE, gpt.LESSON_STEPS, shape["context"]
    assert f"(`C` = {shape['d_model']}, {shape['n_heads']} heads)" in text
    assert f"windows of `T` = {T} characters" in text
    assert f"a batch of {batch} windows is {batch * T:,}" in text
    assert f"{steps} steps of {batch} windows of {T} characters" in text
    assert f"{steps} × {batch * T:,}\n= {steps * batch * T:,} predictions" in text
    assert f"is {steps * batch * T // char_mlp.BATCH_SIZE:,} of its steps" in text
    assert f"the {len(VOCAB)} characters the text can contain" in text


def comparison_rows() -> list[dict[str, str]]:
    """The committed comparison's rows, one per run."""
    with open(ROOT / "lessons" / "helpers" / "model_comparison.csv") as file:
        return list(csv.DictReader(file))


def comparison() -> dict[str, dict[int, float]]:
    """series -> {characters seen: held-out bits per character}, from the committed results."""
    table: dict[str, dict[int, float]] = {}
    for row in comparison_rows():
        bits = float(row["held_out_bits_per_char"])
        table.setdefault(row["series"], {})[int(row["characters_seen"])] = bits
    return table


def test_the_comparison_covers_every_budget_of_the_script():
    from assets import compare_models

    table = comparison()
    for series in ("gpt", "mlp", "gpt_no_attention"):
        assert sorted(table[series]) == compare_models.BUDGETS, series
    assert compare_models.LESSON_BUDGET in compare_models.BUDGETS


def test_the_gpt_beats_the_mlp_at_the_largest_budget_and_attention_pays():
    table = comparison()
    largest = max(table["gpt"])
    assert table["gpt"][largest] < table["mlp"][largest]
    assert all(table["gpt_no_attention"][b] > table["gpt"][b] for b in table["gpt"] if b >= 819_200)


LESSON_BUDGET = gpt.LESSON_STEPS * gpt.LESSON_BATCH_SIZE * gpt.LESSON_SHAPE["context"]


def character_ids() -> tuple[torch.Tensor, torch.Tensor]:
    """Lesson 04's training and held-out text as ids of VOCAB, as the lesson encodes them."""
    index = {ch: i for i, ch in enumerate(VOCAB)}
    train_text, held_out_text = split_corpus(load_corpus())
    return tuple(torch.tensor([index[ch] for ch in text]) for text in (train_text, held_out_text))


@pytest.mark.usefixtures("one_torch_thread")  # as the lesson and the script train
def test_the_lessons_live_run_lands_on_the_scripts_point():
    """The lesson's GPT, trained as the lesson trains it, reproduces the committed result."""
    train_ids, held_out_ids = character_ids()
    model = reference_gpt(gpt.GPTConfig(len(VOCAB), **gpt.LESSON_SHAPE), seed=0)
    history = lesson08.train_gpt(model, train_ids, held_out_ids[:4096], context=model.context,
                                 steps=gpt.LESSON_STEPS, batch_size=gpt.LESSON_BATCH_SIZE,
                                 max_lr=gpt.LESSON_MAX_LR, eval_every=100, evaluate=gpt.evaluate)
    bits = gpt.evaluate(model, held_out_ids) / math.log(2)
    assert [step for step, _ in history["held_out"]] == [100, 200, 300, 400]
    assert abs(bits - comparison()["gpt"][LESSON_BUDGET]) < 2e-3


@pytest.mark.usefixtures("one_torch_thread")
def test_the_lessons_live_mlp_run_lands_on_the_scripts_point():
    """Lesson 04's MLP, trained as the race cell trains it (the same budget), gives the committed result."""
    train_ids, held_out_ids = character_ids()
    model = char_mlp.CharMLP(len(VOCAB), lesson04.embed, seed=0)
    char_mlp.train_char_mlp(model, *char_mlp.windows_and_targets(train_ids, model.context),
                            steps=LESSON_BUDGET // char_mlp.BATCH_SIZE, progress=False)
    held_out = char_mlp.windows_and_targets(held_out_ids, model.context)
    bits = char_mlp.held_out_loss(model, *held_out) / math.log(2)
    assert abs(bits - comparison()["mlp"][LESSON_BUDGET]) < 2e-3


def test_the_race_text_states_the_committed_results():
    """Every figure of the race's sentences is the committed comparison's."""
    table, text = comparison(), markdown_of("08")
    gpt_runs, mlp_runs, no_attention = table["gpt"], table["mlp"], table["gpt_no_attention"]
    lesson = LESSON_BUDGET
    budgets = sorted(gpt_runs)
    cross = next(b for b in budgets if gpt_runs[b] < mlp_runs[b])
    largest = budgets[-1]
    mlp_best = min(mlp_runs, key=mlp_runs.get)
    assert mlp_runs[lesson] < gpt_runs[lesson], "the text says the MLP wins at the lesson's budget"
    assert all(gpt_runs[b] < mlp_runs[b] for b in budgets if b >= cross), "the GPT stays ahead"
    assert all(a > b for a, b in zip([gpt_runs[b] for b in budgets], [gpt_runs[b] for b in budgets[1:]]))
    assert largest == 16 * lesson
    assert f"After {lesson:,} characters seen it scores {mlp_runs[lesson]:.2f}" in text
    assert f"against the GPT's {gpt_runs[lesson]:.2f}" in text
    assert f"Between {budgets[budgets.index(cross) - 1]:,} and {cross:,} characters seen" in text
    assert f"at {largest:,}, sixteen times our budget, the GPT\nscores {gpt_runs[largest]:.2f}" in text
    assert f"and the MLP {mlp_runs[largest]:.2f}" in text
    assert f"The MLP's best is\n{mlp_runs[mlp_best]:.2f}, at {mlp_best:,}" in text
    assert f"stays between {min(no_attention.values()):.2f} and\n{max(no_attention.values()):.2f}" in text
    assert f"attention is worth {no_attention[largest] - gpt_runs[largest]:.2f} bits" in text
    assert f"by {mlp_runs[largest] - gpt_runs[largest]:.2f} bits per\n  character" in text
    rows = [row for row in comparison_rows() if row["series"] != "gpt_bpe"]
    minutes = sum(float(row["seconds"]) for row in rows) / 60
    assert f"Its {len(rows)} runs took {minutes:.0f} minutes" in text
