"""Lesson 04: the text loader, the references against PyTorch, and the text's figures."""

import hashlib
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.checks.lesson04 import HUMPTY, Y, context3_model
from helpers.text import ALPHABET, clean, load_corpus, split_corpus
from solutions import lesson04
from tests.figures import assert_stated, markdown_of

ROOT = Path(__file__).resolve().parent.parent
LOADER = ("import hashlib, sys; sys.path.insert(0, 'lessons'); from helpers.text import load_corpus; "
          "print(hashlib.sha256(load_corpus().encode()).hexdigest())")


def test_corpus_is_about_465000_characters_of_plain_text():
    text = load_corpus()
    assert "about 465,000 characters" in markdown_of("04")
    assert abs(len(text) - 465_000) < 10_000, len(text)
    assert set(text) <= set(string.printable) - set("\t\r\x0b\x0c")
    assert text.endswith("\n") and not text.startswith("\n")
    assert all(line == line.rstrip() for line in text.split("\n"))
    assert 'The "assert" statement' in text  # the first topic, in sorted order


def test_corpus_is_the_same_in_every_process():
    digests = {subprocess.run([sys.executable, "-c", LOADER], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed}, cwd=ROOT).stdout for seed in ("1", "2")}
    assert digests == {hashlib.sha256(load_corpus().encode()).hexdigest() + "\n"}


def test_clean_turns_typography_into_ascii():
    assert clean("it\u2019s \u201cstarred\u201d \u2013 a \u2014 b\u2026 \u00b0F stra\u00dfe  \n") == (
        "it's \"starred\" - a -- b... F strasse\n")


def test_split_keeps_every_character_and_cuts_at_a_line():
    text = load_corpus()
    train, held_out = split_corpus(text, 0.1)
    assert train + held_out == text
    assert train.endswith("\n")
    assert abs(len(held_out) / len(text) - 0.1) < 0.005
    assert split_corpus(text) == (train, held_out)
    for bad in (0, 1, -0.5):
        with pytest.raises(ValueError):
            split_corpus(text, bad)


def test_the_corpus_round_trips_through_its_vocabulary():
    text = load_corpus()
    vocab = lesson04.build_vocabulary(text)
    assert list(vocab) == sorted(set(vocab)) and set(vocab) == set(text)
    assert lesson04.decode(lesson04.encode(text, vocab), vocab) == text
    ids = np.random.default_rng(0).integers(0, len(vocab), size=500)
    assert lesson04.encode(lesson04.decode(ids, vocab), vocab) == ids.tolist()


def test_alphabet_code_and_humpty_dumpty():
    assert_stated("04", "27", len(ALPHABET), 0)
    assert lesson04.encode("humpty dumpt", ALPHABET) == HUMPTY
    X, y = lesson04.windows(np.array(lesson04.encode("humpty dumpty", ALPHABET)), 12)
    assert lesson04.decode(X[0], ALPHABET) == "humpty dumpt" and lesson04.decode(y, ALPHABET) == "y"
    assert y.tolist() == [Y]


def test_windows_match_torch_unfold():
    ids = np.random.default_rng(1).integers(0, 50, size=200)
    X, y = lesson04.windows(ids, 12)
    expected = torch.from_numpy(ids).unfold(0, 12, 1)[:-1]  # all windows but the last, which has no target
    np.testing.assert_array_equal(X, expected.numpy())
    np.testing.assert_array_equal(y, ids[12:])


def test_embed_is_torch_embedding_and_a_one_hot_product():
    E = torch.randn(30, 7, requires_grad=True)
    ids = torch.randint(0, 30, (4, 12))
    out = lesson04.embed(ids, E)
    torch.testing.assert_close(out, torch.nn.functional.embedding(ids, E))
    torch.testing.assert_close(out, torch.nn.functional.one_hot(ids, 30).float() @ E)
    out.pow(2).sum().backward()
    expected_grad = torch.autograd.grad(torch.nn.functional.embedding(ids, E).pow(2).sum(), E)[0]
    torch.testing.assert_close(E.grad, expected_grad)


def test_sampler_argmax_frequencies_and_seed():
    logits = torch.tensor([0.5, -1.0, 2.0, 1.0])
    assert lesson04.sample_next(logits, 0, torch.Generator().manual_seed(0)) == 2
    for temperature in (0.5, 1.0, 2.0):
        generator = torch.Generator().manual_seed(0)
        draws = [lesson04.sample_next(logits, temperature, generator) for _ in range(20_000)]
        np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20_000,
                                   torch.softmax(logits / temperature, -1).numpy(), atol=0.015)
    runs = [[lesson04.sample_next(logits, 1.0, g) for _ in range(50)]
            for g in (torch.Generator().manual_seed(3), torch.Generator().manual_seed(3))]
    assert runs[0] == runs[1]


def test_generation_slides_the_window():
    ids = lesson04.generate(context3_model, [1, 2, 3, 4], 4, 3, 0.0, torch.Generator())
    assert ids == [1, 2, 3, 4, 1, 1, 2, 1]  # by hand: (first + 2 * last + 1) % 5 of each window
