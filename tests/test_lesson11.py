"""Lesson 11: the coder round-trips exactly (property tests), the helpers agree with plain
computations, and the outcome of the race that the text describes still holds."""

from __future__ import annotations

import lzma
import math
import zlib
from collections import Counter
from functools import cache

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.compression import (
    HEADER_BYTES,
    CountingModel,
    GPTCoder,
    code_with_gpt,
    coder_benchmark,
    compressor_sizes,
    corpus_ids,
    from_tables,
    table_bytes,
)
from helpers.gpt import (
    LESSON_BATCH_SIZE,
    LESSON_MAX_LR,
    LESSON_SHAPE,
    LESSON_STEPS,
    GPTConfig,
    load_checkpoint,
    load_log,
)
from helpers.text import load_corpus, long_training_primer, long_training_text
from solutions import lesson08, lesson11
from solutions.gpt import REFERENCE_OPS, reference_gpt
from tests.figures import assert_stated, markdown_of

# -- the coder: exact round trips on anything -------------------------------------------------


@st.composite
def models_and_texts(draw):
    """An order-1 model with random integer frequencies (some of them 1) and a text for it."""
    V = draw(st.integers(1, 6))
    total = draw(st.sampled_from([V, 16, 1000, 2**16 - 1, 2**16]).filter(lambda t: t >= V))
    tables = []
    for _ in range(V):
        cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=V - 1, max_size=V - 1,
                                    unique=True))) if V > 1 else []
        tables.append([0, *cuts, total])
    text = draw(st.lists(st.integers(0, V - 1), max_size=400))
    return tables, text


def order1(tables):
    return lambda history: tables[history[-1] if history else 0]


def ideal_bits(tables, text):
    model = order1(tables)
    return sum(-math.log2((model(text[:i])[s + 1] - model(text[:i])[s]) / model(text[:i])[-1])
               for i, s in enumerate(text))


@settings(max_examples=300, deadline=None)
@given(models_and_texts())
def test_round_trip_is_exact_and_costs_the_cross_entropy(case):
    tables, text = case
    data = lesson11.encode(text, order1(tables))
    assert lesson11.decode(data, len(text), order1(tables)) == text
    assert 8 * len(data) <= ideal_bits(tables, text) + 10 + 1e-3 * len(text)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 3000))
def test_the_rarest_symbol_over_and_over(n):
    """Probability 1/65536 every time: 16 bits per symbol, long runs of pending bits."""
    rare = lambda history: [0, 1, 2**16]  # noqa: E731
    text = [0] * n
    data = lesson11.encode(text, rare)
    assert lesson11.decode(data, n, rare) == text
    assert len(data) == (16 * n + 2 + 7) // 8


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1), max_size=300), st.integers(1, 2**16 - 1))
def test_a_symbol_of_tiny_probability_among_others(text, rare_share):
    model = lambda history: [0, rare_share, 2**16]  # noqa: E731
    assert lesson11.decode(lesson11.encode(text, model), len(text), model) == text


def test_edge_cases():
    halves = lambda history: [0, 1, 2]  # noqa: E731
    assert lesson11.encode([], halves) == bytes([0x40])
    assert lesson11.decode(lesson11.encode([], halves), 0, halves) == []
    for symbol in (0, 1):
        assert lesson11.decode(lesson11.encode([symbol], halves), 1, halves) == [symbol]
    certain = lambda history: [0, 2**16]  # noqa: E731  one symbol, p = 1: costs nothing
    assert len(lesson11.encode([0] * 10_000, certain)) == 1


def test_floats_lose_precision_on_long_texts():
    """The float mutant agrees with the integer coder on a short text and not on a long one."""
    from autograder.mutants.lesson11 import encode_with_floats
    from helpers.checks.lesson11 import lcg_text
    from helpers.checks.lesson11 import order1 as check_order1

    short, long = lcg_text(5), lcg_text(3000)
    assert encode_with_floats.fn(short, check_order1) == lesson11.encode(short, check_order1)
    assert encode_with_floats.fn(long, check_order1) != lesson11.encode(long, check_order1)


# -- counting and frequencies -------------------------------------------------------------------


def test_context_counts_match_a_plain_count():
    rng = np.random.default_rng(0)
    V, order = 4, 2
    ids = rng.integers(0, V, size=500)
    contexts, counts = lesson11.context_counts(ids, order, V)
    padded = [0] * order + ids.tolist()
    expected = Counter((padded[i] * V + padded[i + 1], padded[i + order]) for i in range(len(ids)))
    got = {(int(c), s): int(counts[j, s]) for j, c in enumerate(contexts) for s in range(V) if counts[j, s]}
    assert got == dict(expected)


def test_frequencies_are_positive_exact_and_proportional():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 100, size=(50, 94)) * (rng.random((50, 94)) < 0.3)
    cum = lesson11.frequencies(counts, 0.05)
    freq = np.diff(cum, axis=-1)
    assert (cum[:, 0] == 0).all() and (cum[:, -1] == 2**16).all() and (freq >= 1).all()
    p = (counts + 0.05) / (counts + 0.05).sum(axis=-1, keepdims=True)
    assert np.abs(freq / 2**16 - p).max() < 100 / 2**16


@pytest.mark.parametrize("order", [2, 3])
def test_the_models_lookup_agrees_with_its_vectorised_probabilities(order):
    """From the first character on: a history shorter than the order is padded with newlines."""
    vocab, train_ids, held_out_ids, _, _ = corpus_ids()
    contexts, counts = lesson11.context_counts(train_ids[:50_000], order, len(vocab))
    unseen = lesson11.frequencies(np.zeros((1, len(vocab))), 0.1)[0]
    model = CountingModel(contexts, lesson11.frequencies(counts, 0.1), unseen, order)
    ids = held_out_ids[:300].tolist()
    one_by_one = [(model(ids[:i])[s + 1] - model(ids[:i])[s]) / 2**16 for i, s in enumerate(ids)]
    np.testing.assert_allclose(model.probabilities(np.array(ids)), one_by_one)


def test_code_length_and_area_use_bits():
    assert lesson11.code_length(np.array([0.5, 0.25])) == 3.0
    assert lesson11.area_under_loss(np.array([math.log(2)] * 3), 4) == pytest.approx(12.0)


# -- the coder's speed: the lesson's target is 50,000 characters per second ---------------------


def test_the_coder_reaches_its_speed_target():
    result = coder_benchmark(lesson11.encode, lesson11.decode, lesson11.context_counts,
                             lesson11.frequencies)
    assert result["round_trip"] == 1.0
    assert result["encode_chars_per_second"] >= 50_000
    assert result["decode_chars_per_second"] >= 50_000


# -- the text's figures and the outcome of the race ---------------------------------------------


@cache
def race():
    """The lesson's numbers, computed as the notebook computes them."""
    vocab, train_ids, held_out_ids, train_text, held_out_text = corpus_ids()
    V, n = len(vocab), len(held_out_text)

    def counting(order):
        contexts, counts = lesson11.context_counts(train_ids, order, V)
        unseen = lesson11.frequencies(np.zeros((1, V)), 0.05)[0]
        return CountingModel(contexts, lesson11.frequencies(counts, 0.05), unseen, order), contexts, counts

    model, contexts, counts = counting(3)
    p = model.probabilities(held_out_ids)
    data = lesson11.encode(held_out_ids.tolist(), model)
    payload_bits = 8 * (len(data) + HEADER_BYTES)
    sizes = compressor_sizes(train_text.encode(), held_out_text.encode())
    mdl = []
    for k in range(5):
        m, c, k_counts = counting(k)
        mdl.append((lesson11.code_length(m.probabilities(held_out_ids)) + 8 * table_bytes(c, k_counts)) / n)
    top = {text: [vocab[i] for i in np.argsort(-np.diff(model([vocab.index(ch) for ch in text])))[:2]]
           for text in (" th", "def", "impor")}
    return {"top": top, "n": n, "p": p, "data": data, "payload_bits": payload_bits, "sizes": sizes,
            "model_bytes": table_bytes(contexts, counts), "mdl_by_order": mdl, "model": model}


def test_order_and_alpha_were_chosen_on_training_text_only():
    """"order 3 did best, with alpha anywhere from 0.02 to 0.05": a model counted on the first
    nine tenths of the training text, scored on its last tenth."""
    vocab, train_ids, _, _, _ = corpus_ids()
    cut = int(len(train_ids) * 0.9)
    scores = {}
    for order in (1, 2, 3, 4):
        contexts, counts = lesson11.context_counts(train_ids[:cut], order, len(vocab))
        for alpha in (0.01, 0.02, 0.05, 0.1, 0.2):
            unseen = lesson11.frequencies(np.zeros((1, len(vocab))), alpha)[0]
            model = CountingModel(contexts, lesson11.frequencies(counts, alpha), unseen, order)
            scores[order, alpha] = -np.log2(model.probabilities(train_ids[cut:])).mean()
    best = min(scores, key=scores.get)
    assert best[0] == 3 and best[1] in (0.02, 0.05)
    assert abs(scores[3, 0.05] - scores[best]) < 0.01


def test_the_text_figures():
    markdown = markdown_of("11")
    assert "about 465,000 characters" in markdown
    assert round(len(load_corpus()), -3) == 465_000
    r = race()
    widths = np.cumprod(r["p"])
    first_zero = int(np.argmax(widths == 0))
    assert "After a few hundred characters" in markdown and 100 < first_zero < 1000
    assert "2,000 bytes plus the flush" in markdown
    assert len(lesson11.encode([0] * 1000, lambda h: [0, 1, 2**16])) == 2001
    assert "a couple of bytes" in markdown
    assert r["top"][" th"][0] == "e" and r["top"]["def"] == ["i", "a"] and r["top"]["impor"][0] == "t"
    assert 0 <= 8 * len(r["data"]) - lesson11.code_length(r["p"]) <= 16


def test_the_race_goes_as_the_text_says():
    r = race()
    n, sizes = r["n"], r["sizes"]
    bpc = lambda size: 8 * size / n  # noqa: E731
    payload = r["payload_bits"] / n
    mdl = lesson11.mdl_total(r["payload_bits"], r["model_bytes"], n)
    # receiver has the training text: primed bz2 and xz beat our payload
    assert bpc(sizes["xz"]["primed"]) < payload and bpc(sizes["bz2"]["primed"]) < payload
    # receiver has nothing: the table is several times the payload, the total worse than ASCII
    assert r["model_bytes"] > 2 * r["payload_bits"] / 8 and mdl > 8
    # the unfair comparison: our payload only draws level with gzip alone
    assert abs(payload - bpc(sizes["gzip"]["alone"])) < 0.1
    assert payload > min(bpc(sizes["bz2"]["alone"]), bpc(sizes["xz"]["alone"]))
    # MDL prefers a small order; the payload alone prefers order 3
    assert int(np.argmin(r["mdl_by_order"])) <= 2


def test_primes_program_is_shorter_than_the_compressed_list():
    markdown = markdown_of("11")
    assert "the first 10,000 prime numbers" in markdown
    program = next(cell for cell in code_cells() if "PRIMES_PROGRAM = " in cell)
    source = program.split('"""')[1]
    namespace: dict = {}
    exec(source, namespace)
    primes = namespace["primes"]
    assert len(primes) == 10_000 and primes[-1] == 104_729
    listing = ", ".join(map(str, primes)).encode()
    assert len(source.encode()) < len(lzma.compress(listing, preset=9)) < len(listing)


def code_cells() -> list[str]:
    import nbformat

    from autograder.build import all_lessons

    lesson = next(lesson for lesson in all_lessons() if lesson.name.startswith("11"))
    cells = nbformat.read(lesson.path, as_version=4).cells
    return [cell.source for cell in cells if cell.cell_type == "code"]


# -- the GPT coder: the receiver's tables are the sender's, to the bit ---------------------------


def tiny_gpt(context: int = 16, seed: int = 1) -> torch.nn.Module:
    config = GPTConfig(vocab_size=96, d_model=32, n_layers=2, n_heads=4, context=context)
    return reference_gpt(config, seed=seed)


@pytest.mark.parametrize("n_chars", [0, 1, 7, 16, 17, 25, 120])
def test_the_receiver_gets_the_senders_tables_and_decodes_everything(n_chars):
    """One call per window for the sender, one per character for the receiver, with the unknown
    characters set to 0: causal attention makes the tables equal, so the whole text decodes."""
    _, _, held_out_ids, _, _ = corpus_ids()
    ids = held_out_ids[:n_chars].tolist()
    coder = GPTCoder(tiny_gpt(), lesson11.frequencies, n_chars)
    tables = coder.sender_tables(ids)
    assert tables.shape == (n_chars, 97)
    assert all(tables[i].tolist() == coder(ids[:i]) for i in range(n_chars))
    data = lesson11.encode(ids, from_tables(tables))
    assert lesson11.decode(data, n_chars, coder) == ids


def test_every_character_is_predicted_once_from_at_least_half_a_context():
    coder = GPTCoder(tiny_gpt(context=16), lesson11.frequencies, 100)
    assert [where[1] for where in coder.where[:16]] == list(range(16))  # the first window: all of it
    for i, (start, position) in enumerate(coder.where):
        assert start + position == i  # the window's input at `position` is the character before i
        assert position >= 8 or start == 0


def test_the_coder_codes_what_evaluate_measures():
    """The coded size is the GPT's cross-entropy (evaluate, on the text after a newline) plus the
    rounding to integer frequencies and the flush."""
    from helpers.gpt import evaluate

    _, _, held_out_ids, _, _ = corpus_ids()
    ids = held_out_ids[:600].tolist()
    gpt = tiny_gpt(context=32)
    result = code_with_gpt(lesson11.encode, lesson11.decode, lesson11.frequencies, gpt, ids, 40)
    assert result["round_trip"] == 1.0 and result["decoded"] == ids[:40]
    cross_entropy = evaluate(gpt, torch.tensor([0, *ids])) * len(ids) / math.log(2)
    ideal = lesson11.code_length(result["probabilities"])
    assert abs(ideal - cross_entropy) < 0.01 * len(ids)  # rounding can cost or save a little
    assert 0 <= 8 * len(result["data"]) - ideal <= 16


def test_the_sender_refuses_a_text_of_another_length():
    coder = GPTCoder(tiny_gpt(), lesson11.frequencies, 10)
    with pytest.raises(ValueError, match="10 characters"):
        coder.sender_tables([1] * 11)


# -- the lesson's GPTs: one pass of lesson 08's GPT, the course's checkpoint, and the race --------

ROWS, SLICE = 16, 160


@cache
def gpt_race() -> dict:
    """The lesson's sections 9 and 10, computed as the notebook computes them (references)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the lesson does
    try:
        vocab, train_ids, held_out_ids, train_text, held_out_text = corpus_ids()
        gpt = reference_gpt(GPTConfig(vocab_size=len(vocab), **LESSON_SHAPE), seed=0)
        context = gpt.context
        steps = (len(train_ids) - ROWS) // (ROWS * context)
        row_length = steps * context + 1
        rows = torch.tensor(train_ids[:ROWS * row_length]).view(ROWS, row_length)
        optimizer = torch.optim.AdamW(gpt.parameters(), betas=(0.9, 0.95), weight_decay=0.1)
        losses = []
        gpt.train()
        for step in range(steps):
            for group in optimizer.param_groups:
                group["lr"] = lesson08.learning_rate(step, steps, LESSON_MAX_LR, warmup=steps // 10)
            windows = rows[:, step * context:(step + 1) * context + 1]
            logits = gpt(windows[:, :-1])  # (ROWS, context, V)
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), windows[:, 1:].flatten())
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
        gpt.eval()
        sent_chars = ROWS * row_length
        sent = train_text.encode()[:sent_chars]
        prequential = (lesson11.area_under_loss(np.array(losses), ROWS * context) + 8 * ROWS) / sent_chars
        gpt.half().float()
        held = held_out_ids.tolist()
        code = lambda model: code_with_gpt(lesson11.encode, lesson11.decode, lesson11.frequencies,  # noqa: E731
                                           model, held, SLICE)
        course_gpt, _ = load_checkpoint(REFERENCE_OPS)
        long_train, _ = long_training_text()
        primer = long_training_primer().encode()
        return {"steps": steps, "prequential": prequential, "n": len(held),
                "sent_gzip": 8 * len(zlib.compress(sent, 9)) / sent_chars,
                "sent_xz": 8 * len(lzma.compress(sent, preset=9)) / sent_chars,
                "live": code(gpt), "live_params": gpt.n_params(),
                "course": code(course_gpt), "course_params": course_gpt.n_params(),
                "long_sizes": compressor_sizes(primer, held_out_text.encode()), "long_train": long_train,
                "train_text": train_text}
    finally:
        torch.set_num_threads(threads)


def test_one_pass_is_as_long_as_lesson_08_and_the_learner_loses():
    """"one pass over the text, in about as many steps as lesson 08 takes"; the prequential
    cost loses to gzip and xz on the same text."""
    g = gpt_race()
    assert abs(g["steps"] - LESSON_STEPS) <= 0.05 * LESSON_STEPS
    assert g["prequential"] > g["sent_gzip"] > g["sent_xz"]


def test_both_gpts_decode_their_slice_exactly():
    g = gpt_race()
    _, _, held_out_ids, _, _ = corpus_ids()
    for name in ("live", "course"):
        assert g[name]["round_trip"] == 1.0 and g[name]["decoded"] == held_out_ids[:SLICE].tolist()
        assert 0 <= 8 * len(g[name]["data"]) - lesson11.code_length(g[name]["probabilities"]) <= 16


def test_the_checkpoint_codes_what_its_log_says():
    g = gpt_race()
    coded = 8 * len(g["course"]["data"]) / g["n"]
    assert abs(coded - load_log()["final_held_out_bits"]) < 0.01


def test_the_checkpoint_read_our_training_text_then_docstrings():
    g = gpt_race()
    assert g["long_train"].startswith(g["train_text"]) and len(g["long_train"]) > 4 * len(g["train_text"])


def test_the_prequential_figures_in_the_text():
    g = gpt_race()
    assert_stated("11", "3.36", g["prequential"], 2)
    assert_stated("11", "1.65", g["sent_xz"], 2)
    assert_stated("11", "2.34", g["sent_gzip"], 2)


def test_the_live_gpt_in_the_text():
    """"lesson 08's GPT codes the held-out text in 2.52 bits per character: worse than the
    order-3 counts (2.12). It reads 64 characters of context, more than twenty times ..."."""
    g, r = gpt_race(), race()
    live = 8 * len(g["live"]["data"]) / g["n"]
    counts = 8 * len(r["data"]) / r["n"]
    assert_stated("11", "2.52", live, 2)
    assert_stated("11", "2.12", counts, 2)
    assert live > counts and LESSON_SHAPE["context"] / 3 > 20
    assert "decode its first 160 characters" in markdown_of("11") and SLICE == 160


def test_the_sourced_figures_on_large_models():
    """Quoted from Delétang et al. (2023)'s abstract; the 140 GB is their 70B parameters at 2 bytes."""
    markdown = markdown_of("11")
    assert "43.4%" in markdown and "58.5%" in markdown and "*Language Modeling Is" in markdown
    assert "140 GB" in markdown and 70e9 * 2 == 140e9


def test_the_course_gpt_in_the_text():
    """Its shape, what the coder wrote beside what its training logged, and its training time."""
    g, log, text = gpt_race(), load_log(), " ".join(markdown_of("11").split())
    course_gpt, _ = load_checkpoint(REFERENCE_OPS)
    config = course_gpt.config
    assert (config.d_model, config.n_layers, config.n_heads, config.context) == (128, 6, 4, 128)
    assert "but 128 numbers wide, 6 blocks of 4 heads, a context of 128 characters" in text
    assert_stated("11", "1.401", 8 * len(g["course"]["data"]) / g["n"], 3)
    assert f"{log['final_held_out_bits']:.3f}" == "1.401" and "the same figure to three decimals" in text
    assert_stated("11", "168", log["seconds"] / 60, 0)
    assert "took 168 minutes to train" in text


def shared_stretches(part: str, reference: str, length: int = 20) -> float:
    """As the lesson counts them: the share of `part`'s stretches found word for word in `reference`."""
    seen = {reference[i:i + length] for i in range(len(reference) - length + 1)}
    starts = range(0, len(part) - length + 1)
    return sum(part[i:i + length] in seen for i in starts) / len(starts)


def test_who_wins_the_race_as_the_text_says():
    """The checkpoint beats the course's other models and every compressor alone; xz primed with
    what it read beats it; counting its weights, it loses to them all."""
    g, r, text = gpt_race(), race(), " ".join(markdown_of("11").split())
    n = g["n"]
    bpc = lambda size: 8 * size / n  # noqa: E731
    course = 8 * (len(g["course"]["data"]) + HEADER_BYTES) / n
    counts, live = r["payload_bits"] / n, 8 * (len(g["live"]["data"]) + HEADER_BYTES) / n
    alone = {name: bpc(size["alone"]) for name, size in r["sizes"].items()}
    xz_train, xz_both = bpc(r["sizes"]["xz"]["primed"]), bpc(g["long_sizes"]["xz"]["primed"])
    assert course < counts < live and course < min(alone.values()) and course < xz_train
    others = [bpc(size["primed"]) for name, size in g["long_sizes"].items() if name != "xz"]
    assert xz_both < course < min(others)
    for stated, value in [("1.40", course), ("2.12", counts), ("2.52", live), ("1.41", xz_train),
                          ("1.35", xz_both), ("1.99", alone["bz2"])]:
        assert_stated("11", stated, value, 2)
    assert min(alone, key=alone.get) == "bz2" and "the winner of that race is bz2, alone, at 1.99" in text
    assert "**In the fair match, xz wins**" in text and "1.35 bits per character, 0.05 fewer" in text
    assert f"{course - xz_both:.2f}" == "0.05"
    assert f"read {len(g['long_train']) / len(g['train_text']):.1f} times" == "read 4.8 times"
    assert "which read 4.8 times as much text" in text
    _, _, _, train_text, held_out_text = corpus_ids()
    assert f"{shared_stretches(held_out_text, train_text):.0%}" == "25%"
    assert "25% of the held-out text's 20-character stretches" in text
    params = g["course_params"]
    assert f"{params / 1e6:.1f}" == "1.2" and f"{len(g['long_train']) / 1e6:.1f}" == "2.0"
    assert "The GPT has 1.2 million parameters to hold what it learned from 2.0 million characters" in text
    weights = 2 * params
    mdl = lesson11.mdl_total(8 * (len(g["course"]["data"]) + HEADER_BYTES), weights, n)
    lead = alone["xz"] - course
    assert (f"{weights / 1e6:.2f}", f"{weights / n:.0f}", f"{mdl:.0f}") == ("2.43", "52", "419")
    assert "weights take 2.43 MB, 52 times the held-out text, so with them it needs 419 bits" in text
    assert f"{lead:.2f}" == "0.60" and f"{8 * weights / lead / 1e6:.0f}" == "32"
    assert "saves 0.60 bits per character" in text and "a text of 32 million characters" in text
    assert "codes the held-out text in 1.40 bits per character, ahead of every model" in text
    assert "xz primed with the same text still wins, at 1.35" in text


def test_xz_is_primed_with_the_characters_the_gpt_read_the_documentation_last():
    g = gpt_race()
    primer = long_training_primer()
    assert Counter(primer) == Counter(g["long_train"]) and primer.endswith(g["train_text"])
    assert 'primer = long_training_primer().encode("ascii")' in "\n".join(code_cells())


def test_the_training_curve_as_the_text_says():
    """The figure's curve (the checkpoint's log) was still falling; the gap to xz primed with
    the same text, at its end."""
    g, log, text = gpt_race(), load_log(), " ".join(markdown_of("11").split())
    steps, bits = zip(*log["held_out_bits"], strict=True)
    assert steps[-1] == 5000 and steps[-3] == 4000 and all(a > b for a, b in zip(bits, bits[1:]))
    assert_stated("11", "0.03", bits[-3] - bits[-1], 2)
    assert_stated("11", "0.004", bits[-2] - bits[-1], 3)
    assert f"{1000 * 32 * 128 / 1e6:.1f}" == "4.1" and "1,000 steps (4.1 million characters)" in text
    xz_both = 8 * g["long_sizes"]["xz"]["primed"] / g["n"]
    assert f"{bits[-1] - xz_both:.2f}" == "0.05"
    assert "It ended 0.05 above xz primed with the same text" in text
    assert "5,000 steps already took 168 minutes" in text


def bpe_comparison() -> dict[str, dict[int, tuple[int, float, int]]]:
    """series -> {training predictions: (characters read, held-out bits per character, parameters)}."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "lessons" / "helpers" / "model_comparison.csv"
    with open(path) as file:
        rows = list(csv.DictReader(file))
    return {name: {int(r["budget"]): (int(r["characters_seen"]), float(r["held_out_bits_per_char"]),
                                      int(r["params"])) for r in rows if r["series"] == name}
            for name in ("gpt", "gpt_bpe")}


def test_characters_and_tokens_as_the_text_says():
    """Tokens win at lesson 08's budget; characters at the longer runs, and per character read."""
    from assets import compare_models

    table, text = bpe_comparison(), " ".join(markdown_of("11").split())
    chars, tokens = table["gpt"], table["gpt_bpe"]
    lesson_budget = LESSON_STEPS * LESSON_BATCH_SIZE * LESSON_SHAPE["context"]
    shared = sorted(set(chars) & set(tokens))
    assert shared == compare_models.BPE_BUDGETS == [lesson_budget, 4 * lesson_budget, 16 * lesson_budget]
    small, middle, large = shared
    assert tokens[small][1] < chars[small][1]
    assert chars[middle][1] < tokens[middle][1] and chars[large][1] < tokens[large][1]
    assert "**At this size, characters win**, except when training is very short" in text
    assert "2.06 bits per character for the tokens, 2.17 for the characters" in text
    assert (f"{tokens[small][1]:.2f}", f"{chars[small][1]:.2f}") == ("2.06", "2.17")
    # the token model gets worse with more training, the character model better
    assert f"from {middle:,} to {large:,} predictions its held-out score gets *worse*, " \
           f"{tokens[middle][1]:.2f} then {tokens[large][1]:.2f}" in text
    assert tokens[large][1] > tokens[middle][1] and chars[large][1] < chars[middle][1]
    assert f"keeps improving, from {chars[middle][1]:.2f} to {chars[large][1]:.2f}" in text
    # per character read: a character run that read no more text does better, at every point
    for read, bits, _ in tokens.values():
        fewer = max((r, b) for r, b, _ in chars.values() if r <= read)
        assert fewer[1] < bits
    # the token's length, the training text in predictions, the parameters
    _, _, _, train_text, _ = corpus_ids()
    chars_per_token = np.mean([read / budget for budget, (read, _, _) in tokens.items()])
    assert f"{chars_per_token:.1f}" == "2.2" and "a token stands for 2.2 characters" in text
    assert 2 < chars_per_token and f"{chars_per_token * 64:.0f}" == "141"
    assert "its window of 64 tokens spans 141 characters on average" in text
    assert len(train_text) == 418_582 and round(len(train_text) / chars_per_token, -4) == 190_000
    assert "418,582 predictions as characters but only about 190,000 as tokens" in text
    extra = tokens[small][2] - chars[small][2]
    vocab, _, _, _, _ = corpus_ids()
    assert (len(vocab), 256 + compare_models.BPE_MERGES) == (96, 512) and "512 symbols instead of 96" in text
    assert LESSON_SHAPE["d_model"] == 64 and LESSON_SHAPE["context"] == 64 and "the same 64 positions" in text
    assert extra == (512 - 96) * LESSON_SHAPE["d_model"] == 26_624
    assert "(512 - 96) × 64 = 26,624 more parameters, all of them in the embedding table" in text
