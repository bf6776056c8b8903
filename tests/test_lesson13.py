"""Lesson 13: the tools agree with independent computations, the helpers refuse bad input
clearly, and every finding the text states about the course's GPT is computed here."""

from __future__ import annotations

import json
import math
from functools import cache

import pytest
import torch
import torch.nn.functional as F

from helpers.gpt import GPTConfig, load_checkpoint, load_log
from helpers.interp import (
    HEAD_HISTORY,
    decode,
    encode,
    held_out_ids,
    held_out_windows,
    next_token_loss,
    repeated_random_tokens,
    surprise,
)
from helpers.text import VOCAB
from solutions import lesson13
from solutions.gpt import REFERENCE_OPS, reference_gpt
from tests.figures import assert_stated, markdown_of

# The lesson runs torch on one thread; so do these tests (seeded runs give its numbers).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_gpt(seed: int = 0, n_layers: int = 3, n_heads: int = 2) -> torch.nn.Module:
    """A small GPT with random weights, layer norms included."""
    model = reference_gpt(GPTConfig(vocab_size=11, d_model=8, n_layers=n_layers, n_heads=n_heads, context=10),
                          seed=seed)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("scale", "shift")):
                p.add_(0.3 * torch.randn(p.shape, generator=generator))
            else:
                p.mul_(2.5)
    return model.eval()


# -- the helpers -------------------------------------------------------------------------------


def test_encode_names_the_characters_and_the_limit():
    with pytest.raises(ValueError, match=r"'é' \(U\+00E9\)") as err:
        encode("café au lait", VOCAB, 128)
    assert "1 character(s) outside" in str(err.value)
    with pytest.raises(ValueError, match="at most 128"):
        encode("x" * 129, VOCAB, 128)
    with pytest.raises(ValueError, match="empty"):
        encode("", VOCAB)
    text = "def f(x):\n    return x + 1  # ~"
    assert decode(encode(text, VOCAB, 128), VOCAB) == text


def test_repeated_tokens_repeat_and_windows_come_from_the_held_out_text():
    tokens = repeated_random_tokens(3, 7, 20, seed=1)
    assert tokens.shape == (3, 14) and torch.equal(tokens[:, :7], tokens[:, 7:])
    assert torch.equal(tokens, repeated_random_tokens(3, 7, 20, seed=1))
    windows, ids = held_out_windows(VOCAB, 4, 50), held_out_ids(VOCAB)
    assert torch.equal(windows[0], ids[:50]) and torch.equal(windows[-1], ids[-50:])


def test_next_token_loss_and_surprise_agree_with_cross_entropy():
    model, tokens = random_gpt(), torch.randint(11, (3, 9), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = model(tokens)
    expected = F.cross_entropy(logits[:, :-1].reshape(-1, 11), tokens[:, 1:].reshape(-1)).item()
    assert next_token_loss(model, tokens) == pytest.approx(expected, rel=1e-6)
    assert surprise(model, tokens).mean().item() == pytest.approx(expected, rel=1e-5)


# -- the references against independent computations -------------------------------------------


def test_capture_removes_its_hooks_after_an_error():
    model = random_gpt()
    with pytest.raises(ZeroDivisionError), lesson13.capture(model, ["blocks.0", "ln_f"]):
        model(torch.tensor([1, 2, 3]))
        1 / 0  # noqa: B018
    assert all(not m._forward_hooks for m in model.modules())


def test_patterns_reproduce_what_attention_adds():
    """pattern @ (x W_v) @ W_o, summed over heads, is the attention module's own output."""
    model, tokens = random_gpt(), torch.randint(11, (2, 7), generator=torch.Generator().manual_seed(1))
    patterns = lesson13.attention_patterns(model, tokens)
    with torch.no_grad(), lesson13.capture(model, [f"blocks.{i}.ln_1" for i in range(3)]) as acts:
        model(tokens)
        for layer, block in enumerate(model.blocks):
            x = acts[f"blocks.{layer}.ln_1"]
            d_head = 8 // 2
            total = sum(patterns[layer, :, h] @ (x @ block.attn.W_v[:, h * d_head:(h + 1) * d_head])
                        @ block.attn.W_o[h * d_head:(h + 1) * d_head] for h in range(2))
            torch.testing.assert_close(total, block.attn(x), atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(lesson13.head_outputs(block.attn, x).sum(dim=1), block.attn(x),
                                       atol=1e-5, rtol=1e-4)


def test_zero_ablation_is_a_head_whose_W_o_rows_are_zero():
    model, windows = random_gpt(), torch.randint(11, (3, 8), generator=torch.Generator().manual_seed(2))
    costs = lesson13.ablation_costs(model, windows, mean=False)
    intact = next_token_loss(model, windows)
    for layer, head in [(0, 1), (2, 0)]:
        silenced = random_gpt()
        with torch.no_grad():
            silenced.blocks[layer].attn.W_o[head * 4:(head + 1) * 4] = 0
        expected = next_token_loss(silenced, windows) - intact
        assert costs[layer, head].item() == pytest.approx(expected, abs=1e-5)


def test_mean_ablation_changes_nothing_on_identical_windows():
    model = random_gpt()
    same = torch.randint(11, (1, 8), generator=torch.Generator().manual_seed(3)).expand(4, 8)
    assert lesson13.ablation_costs(model, same, mean=True).abs().max() < 1e-5


def test_logit_lens_ends_with_the_model_and_starts_with_the_embeddings():
    model, tokens = random_gpt(), torch.randint(11, (2, 6), generator=torch.Generator().manual_seed(4))
    lens = lesson13.logit_lens(model, tokens)
    with torch.no_grad():
        torch.testing.assert_close(lens[-1], model(tokens))
        embedded = model.token_embedding[tokens] + model.position_embedding[:6]
        torch.testing.assert_close(lens[0], model.ln_f(embedded) @ model.token_embedding.T)


def test_patching_restores_all_at_the_ends_and_nothing_before_the_change():
    model = random_gpt()
    clean = torch.tensor([1, 5, 2, 7, 3, 9])
    corrupted = clean.clone()
    corrupted[2] = 4
    restored = lesson13.activation_patching(model, clean, corrupted, 3, 8)
    assert restored.shape == (4, 6)
    assert restored[:, :2].abs().max() < 1e-5  # before the change: the same in both runs
    torch.testing.assert_close(restored[0], torch.tensor([0.0, 0, 1, 0, 0, 0]), atol=1e-4, rtol=0)
    torch.testing.assert_close(restored[-1], torch.tensor([0.0, 0, 0, 0, 0, 1]), atol=1e-4, rtol=0)


# -- the history of the heads: the committed results are the script's ---------------------------


def test_head_history_matches_a_replay_of_the_first_steps(tmp_path):
    """assets/heads_during_training.py replays train_gpt's run; its first steps, rerun here,
    give the measurements committed for them."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "assets"))
    import heads_during_training

    history = json.loads(HEAD_HISTORY.read_text())
    every = history["settings"]["every"]
    assert history["steps"][:2] == [0, every]
    heads_during_training.replay(every, every, tmp_path / "replay.json")
    rerun = json.loads((tmp_path / "replay.json").read_text())
    for got, committed in zip(rerun["measures"], history["measures"][:2]):
        for kind in ("random", "held_out"):
            assert got[kind]["second_copy_bits"] == pytest.approx(committed[kind]["second_copy_bits"],
                                                                   abs=1e-4)
            torch.testing.assert_close(torch.tensor(got[kind]["induction"]),
                                       torch.tensor(committed[kind]["induction"]), atol=1e-4, rtol=0)


# -- the findings the text states ---------------------------------------------------------------


@cache
def course_gpt():
    return load_checkpoint(REFERENCE_OPS)


def test_the_model_the_text_describes():
    model, vocab = course_gpt()
    markdown = markdown_of("13")
    assert len(vocab) == 96 and model.context == 128
    assert "6 blocks of 4 heads, 128 numbers per position" in markdown
    assert model.config.n_layers == 6 and model.config.n_heads == 4 and model.config.d_model == 128
    assert "1.2 million numbers" in markdown and round(model.n_params() / 1e5) == 12
    assert len(load_log()["train_loss"]) == 5000, "the real checkpoint, not the placeholder"
    assert math.isfinite(load_log()["final_held_out_bits"])
    assert "5,000 steps,\nalmost three hours on one CPU thread" in markdown
    assert 2.5 < load_log()["seconds"] / 3600 < 3 and load_log()["threads"] == 1


@cache
def findings() -> dict:
    """The lesson's measurements on the course's GPT, computed as the notebook computes them."""
    from helpers.interp import repeated_held_out

    model, vocab = course_gpt()
    period = 50
    repeated = {"random characters": repeated_random_tokens(8, period, len(vocab), seed=0),
                "documentation": repeated_held_out(vocab, 8, period)}
    copies = {}
    for kind, texts in repeated.items():
        bits = surprise(model, texts) / math.log(2)
        copies[kind] = (bits[:, :period - 1].mean().item(), bits[:, period:].mean().item())
    patterns = {kind: lesson13.attention_patterns(model, texts) for kind, texts in repeated.items()}
    previous = lesson13.previous_token_scores(patterns["random characters"])
    induction = {kind: lesson13.induction_scores(p, period) for kind, p in patterns.items()}
    windows = held_out_windows(vocab, 8, model.context)
    intact = next_token_loss(model, windows)
    zero = lesson13.ablation_costs(model, windows, mean=False)
    mean = lesson13.ablation_costs(model, windows, mean=True)
    lens = lesson13.logit_lens(model, windows)
    lens_bits = [F.cross_entropy(logits[:, :-1].flatten(0, 1), windows[:, 1:].flatten()).item() / math.log(2)
                 for logits in lens]
    return {"copies": copies, "previous": previous, "induction": induction, "intact": intact, "zero": zero,
            "mean": mean, "lens_bits": lens_bits, "windows": windows, "repeated": repeated}


def stated_percent(text: str, value: float) -> None:
    """The lesson's markdown shows `text` (such as "74%"), and `value` (a fraction) rounds to it."""
    assert text in markdown_of("13"), f"lesson 13 no longer states {text!r}"
    assert f"{value:.0%}" == text, f"lesson 13 states {text}, computed {value:.4f}"


def others(scores: torch.Tensor, head: tuple[int, int]) -> torch.Tensor:
    """Every entry of a (layers, heads) tensor but one head's."""
    rest = scores.clone()
    rest[head] = float("nan")
    return rest[~rest.isnan()]


def test_what_the_repeat_saves():
    first, second = findings()["copies"]["random characters"]
    stated = [("6.58", math.log2(96)), ("10.10", first), ("9.51", second), ("0.59", first - second)]
    for text, value in stated:
        assert_stated("13", text, value, 2)
    assert first > math.log2(96) and first - second < 1
    first, second = findings()["copies"]["documentation"]
    for text, value in [("1.62", first), ("1.45", second), ("0.17", first - second)]:
        assert_stated("13", text, value, 2)


def test_the_previous_token_head_and_the_weak_induction_head():
    f = findings()
    previous, induction = f["previous"], f["induction"]
    assert divmod(int(previous.argmax()), 4) == (0, 2)
    assert_stated("13", "0.92", previous[0, 2].item(), 2)
    assert others(previous, (0, 2)).max() <= 0.20  # "No other head scores more than 0.20"
    even = sum(1 / (i + 1) for i in range(50, 100)) / 50
    assert_stated("13", "0.014", even, 3)
    for kind, text in [("random characters", "0.08"), ("documentation", "0.18")]:
        assert divmod(int(induction[kind].argmax()), 4) == (5, 1), kind
        assert_stated("13", text, induction[kind][5, 1].item(), 2)
        assert others(induction[kind], (5, 1)).max() < 0.02, kind  # "Every other head stays below"
    line = encode("total = sum(nums)\n" * 2, VOCAB, 128)
    patterns = lesson13.attention_patterns(course_gpt()[0], line[None])
    assert_stated("13", "0.31", lesson13.induction_scores(patterns, 18)[5, 1].item(), 2)
    stripe = patterns[5, 0, 1].diagonal(1 - 18)[1:]  # position 18 + k looks at k + 1
    strong = {"total = sum(nums)\n"[k]: w for k, w in enumerate(stripe.tolist()) if w > 0.5}
    assert list(strong) == ["s", "u", "(", "n"] and "at `s`, `u`, `(` and `n`" in markdown_of("13")
    assert_stated("13", "0.72", min(strong.values()), 2)
    assert_stated("13", "0.90", max(strong.values()), 2)


def first_step(steps: list[int], scores: list[float], at_least: float) -> int | None:
    return next((step for step, score in zip(steps, scores) if score >= at_least), None)


def test_the_history_the_text_describes():
    history = json.loads(HEAD_HISTORY.read_text())
    steps, measured = history["steps"], history["measures"]
    assert steps == list(range(0, 5001, 100))  # the whole training, every 100 steps
    text = markdown_of("13")

    def series(kind: str, score: str, head: tuple[int, int]) -> list[float]:
        return [m[kind][score][head[0]][head[1]] for m in measured]

    for kind, at_half, at_nine_tenths in [("held_out", "step 400", "0.9 at step 600"),
                                          ("random", "steps 500", "3,100")]:
        previous = series(kind, "previous", (0, 2))
        assert f"{at_half} " in text and at_nine_tenths in text
        assert f"{first_step(steps, previous, 0.5):,}" in at_half
        assert f"{first_step(steps, previous, 0.9):,}" in at_nine_tenths
    inducing = series("held_out", "induction", (5, 1))
    assert first_step(steps, inducing, 0.05) == 1700 and "reaches 0.05 at step 1,700" in text
    rises = [b - a for a, b in zip(inducing, inducing[1:])]
    assert_stated("13", "0.015", max(rises), 3)
    assert max(rises) < 0.1 * inducing[-1]  # "no phase change": no jump, a steady climb
    assert_stated("13", "0.18", inducing[-1], 2)
    assert abs(inducing[steps.index(4000)] - inducing[-1]) < 0.01  # "levels off ... from about step 4,000"
    assert inducing[steps.index(3000)] < inducing[-1] - 0.01
    assert_stated("13", "0.08", series("random", "induction", (5, 1))[-1], 2)
    saved = [m["held_out"]["first_copy_bits"] - m["held_out"]["second_copy_bits"] for m in measured]
    assert first_step(steps, saved, 0.1) == 2900 and "at step 2,900" in text
    assert_stated("13", "0.17", saved[-1], 2)


def test_ablation_costs_the_text_states():
    f = findings()
    zero, mean = f["zero"], f["mean"]
    assert divmod(int(mean.argmax()), 4) == (0, 2) and divmod(int(zero.argmax()), 4) == (0, 2)
    assert_stated("13", "0.981", f["intact"], 3)
    assert_stated("13", "1.326", mean[0, 2].item(), 3)
    assert_stated("13", "1.530", zero[0, 2].item(), 3)
    assert mean[0, 2] > f["intact"]  # "more than doubling it"
    rest = others(mean, (0, 2)).sort(descending=True).values
    assert_stated("13", "0.037", mean[3, 0].item(), 3)
    assert rest[0] == mean[3, 0]
    assert_stated("13", "0.034", rest[1].item(), 3)
    assert f"{rest[-1].item():.3f}" == "-0.004"  # the text prints it with a minus sign, −0.004
    assert "between −0.004 and 0.034" in markdown_of("13")
    assert (zero > mean).sum() == 21 and "for 21 of the 24 heads" in markdown_of("13")
    assert_stated("13", "0.012", mean[5, 1].item(), 3)


def mean_ablated_copies(model, texts: torch.Tensor, layer: int, head: int) -> tuple[float, float]:
    """Bits per character on each copy of `texts` with one head replaced by its mean output on them."""
    with lesson13.capture(model, [f"blocks.{layer}.ln_1"]) as read:
        model(texts)
    attn = model.blocks[layer].attn
    average = lesson13.head_outputs(attn, read[f"blocks.{layer}.ln_1"])[:, head].mean(dim=0).detach()
    handle = attn.register_forward_hook(
        lambda module, inputs, output: output - lesson13.head_outputs(module, inputs[0])[:, head] + average)
    try:
        bits = surprise(model, texts) / math.log(2)
    finally:
        handle.remove()
    return bits[:, :49].mean().item(), bits[:, 50:].mean().item()


def test_which_heads_the_repeat_needs():
    model, f = course_gpt()[0], findings()
    texts = f["repeated"]["documentation"]
    ranking = sorted((f["mean"][layer, h].item(), layer, h) for layer in range(6) for h in range(4))
    assert ranking[0][1:] == (1, 3)  # the least costly head, the comparison
    first, second = mean_ablated_copies(model, texts, 5, 1)
    assert_stated("13", "1.71", second, 2)
    assert_stated("13", "1.61", first, 2)
    assert second > first
    first, second = mean_ablated_copies(model, texts, 0, 2)
    assert f"{first:.1f}" == f"{second:.1f}" == "3.6" and "about 3.6 bits" in markdown_of("13")
    intact = f["copies"]["documentation"]
    first, second = mean_ablated_copies(model, texts, 1, 3)
    assert (f"{first:.2f}", f"{second:.2f}") == (f"{intact[0]:.2f}", f"{intact[1]:.2f}")


def test_the_logit_lens_findings():
    f = findings()
    bits = f["lens_bits"]
    for text, value in zip(["15.80", "4.35", "3.51", "2.96", "2.40", "1.89", "1.41"], bits, strict=True):
        assert_stated("13", text, value, 2)
    drops = [a - b for a, b in zip(bits[1:], bits[2:])]
    assert_stated("13", "0.48", min(drops), 2)
    assert_stated("13", "0.84", max(drops), 2)
    model, windows = course_gpt()[0], f["windows"]
    lens = lesson13.logit_lens(model, windows)
    same = [(logits.argmax(dim=-1) == windows).float().mean().item() for logits in lens[:2]]
    stated_percent("100%", same[0])
    stated_percent("83%", same[1])
    text = "def area(self):\n    return self.w"
    ids = encode(text, VOCAB, 128)
    top = lesson13.logit_lens(model, ids[None])[:, 0, :-1].argmax(dim=-1)  # (7, T - 1)
    right = (top == ids[1:]).sum(dim=1).tolist()
    assert right == [3, 4, 7, 11, 14, 17, 21] and len(text) - 1 == 32
    assert "right at 3 of the 32 positions" in markdown_of("13")
    stated = "after block 0 at 4; then at 7, 11, 14\nand 17; and after the last block at 21"
    assert stated in markdown_of("13")


def next_probability(model, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.softmax(model(ids)[-1], dim=-1)


def test_patching_locates_the_copied_name_and_head_5_1_moves_it():
    model = course_gpt()[0]
    clean, corrupted = encode("bar_tab = 3\nbar_ta", VOCAB, 128), encode("bar_tag = 3\nbar_ta", VOCAB, 128)
    b, g = VOCAB.index("b"), VOCAB.index("g")
    assert next_probability(model, clean).argmax() == b and next_probability(model, corrupted).argmax() == g
    stated_percent("74%", next_probability(model, clean)[b].item())
    stated_percent("96%", next_probability(model, corrupted)[g].item())
    restored = lesson13.activation_patching(model, clean, corrupted, b, g)
    assert int((clean != corrupted).nonzero()) == 6
    assert_stated("13", "0.96", restored[:-1, 6].min().item(), 2)
    assert_stated("13", "1.00", restored[:-1, 6].max().item(), 2)
    assert restored[-1, 6].abs() < 0.005 and restored[-1, -1].item() == pytest.approx(1, abs=1e-4)
    elsewhere = torch.ones_like(restored, dtype=torch.bool)
    elsewhere[:-1, 6] = elsewhere[-1, -1] = False  # all but the changed position, and the last after block 5
    assert_stated("13", "0.02", restored[elsewhere].abs().max().item(), 2)
    looks = lesson13.attention_patterns(model, clean[None])[5, 0, :, -1, 6]
    assert int(looks.argmax()) == 1
    assert_stated("13", "0.68", looks[1].item(), 2)
    without = []
    for head in range(4):
        handle = model.blocks[5].attn.register_forward_hook(
            lambda module, inputs, output, head=head:
                output - lesson13.head_outputs(module, inputs[0])[:, head])
        try:
            without.append(next_probability(model, clean)[b].item())
        finally:
            handle.remove()
    assert_stated("13", "0.74", next_probability(model, clean)[b].item(), 2)
    assert_stated("13", "0.12", without[1], 2)
    assert_stated("13", "0.70", min(without[:1] + without[2:]), 2)
    assert_stated("13", "0.77", max(without[:1] + without[2:]), 2)


RECALL = ["isinstan", "KeyErr", "import collecti", "def __ini", "Return Tr", "raise ValueErr",
          "the dictiona", "the argume"]
COPYING = ["qzx = 1\nprint(qz", "vlk_rate = 3\nvlk_ra", "def fjord(x):\n    return fjo",
           "wum.size = 2\nwum.si", "Use gfoo or gf", "the jabbel and the jabb"]


def test_knocking_out_sublayers():
    """Each prompt run alone (the lesson batches them, padded on the right: the same numbers)."""
    model, windows = course_gpt()[0], findings()["windows"]

    def answers_probability(prompts: list[str], answers: list[int] | None = None
                            ) -> tuple[float, list[int]]:
        p = [next_probability(model, encode(prompt, VOCAB, 128)) for prompt in prompts]
        answers = answers or [int(q.argmax()) for q in p]
        return sum(q[a].item() for q, a in zip(p, answers)) / len(prompts), answers

    recall, recall_answers = answers_probability(RECALL)
    copying, copying_answers = answers_probability(COPYING)
    stated_percent("99%", recall)
    stated_percent("52%", copying)
    effects = {}
    for layer in range(6):
        for kind in ("attn", "mlp"):
            name = f"blocks.{layer}.{kind}"
            with lesson13.capture(model, [name]) as seen:
                model(windows)
            average = seen[name].mean(dim=0)
            handle = model.get_submodule(name).register_forward_hook(
                lambda module, inputs, output, average=average:
                    average[:output.shape[-2]].expand_as(output))
            try:
                effects[layer, kind] = (answers_probability(RECALL, recall_answers)[0],
                                        answers_probability(COPYING, copying_answers)[0])
            finally:
                handle.remove()
    stated_percent("3%", effects[0, "mlp"][0])
    stated_percent("2%", effects[0, "mlp"][1])
    later = [effects[layer, kind][0] for layer in range(1, 6) for kind in ("attn", "mlp")
             if (layer, kind) != (5, "mlp")]
    assert min(later) >= 0.925 and "stays at 93% or more" in markdown_of("13")
    stated_percent("93%", min(later))
    stated_percent("71%", effects[5, "mlp"][0])
    stated_percent("34%", effects[3, "attn"][1])
    stated_percent("34%", effects[5, "attn"][1])
    stated_percent("24%", effects[5, "mlp"][1])
    assert min(c for (layer, _), (_, c) in effects.items() if layer > 0) == effects[5, "mlp"][1]


def test_the_neuron_count():
    model, windows = course_gpt()[0], findings()["windows"]
    with lesson13.capture(model, ["blocks.3.ln_2"]) as acts:
        model(windows)
    mlp = model.blocks[3].mlp
    neurons = F.gelu(acts["blocks.3.ln_2"] @ mlp.W_up + mlp.b_up).flatten(0, 1)  # (1024, 512)
    chars = decode(windows.flatten(), VOCAB)
    top = neurons.topk(20, dim=0).indices.T
    distinct = torch.tensor([len({chars[i] for i in row.tolist()}) for row in top])
    assert (distinct == 1).sum() == 1 and int(distinct.argmin()) == 4 and "all 20 times" in markdown_of("13")
    assert {chars[i] for i in top[4].tolist()} == {" "}
    assert (distinct >= 4).sum() == 491 and int(distinct.argmax()) == 54
    assert "Only 1 of the 512 neurons" in markdown_of("13")
    assert "491 fire on four or more" in markdown_of("13")
    contexts = [chars[max(0, i - 12):i + 1] for i in top[54, :3].tolist()]
    assert [c.split()[-1].strip('"') for c in contexts] == ["regula", "TypeErro", "Sequen"]
