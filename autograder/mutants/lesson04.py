"""Wrong answers to lesson 04 that learners really write."""

import numpy as np
import torch

from autograder.mutants import mutant
from solutions.lesson04 import sample_next


@mutant("encode", "do not add 1")
def encode_counts_from_one(text, vocab):
    return [vocab.index(ch) + 1 for ch in text]


@mutant("encode", "its ASCII code")
def encode_ascii_arithmetic(text, vocab):
    return [ord(ch) - ord("a") + 1 for ch in text]


@mutant("decode", "do not subtract 1")
def decode_counts_from_one(ids, vocab):
    return "".join(vocab[i - 1] for i in ids)


@mutant("decode", "return one string")
def decode_returns_a_list(ids, vocab):
    return [vocab[i] for i in ids]


@mutant("build_vocabulary", "a set drops the repeats")
def vocabulary_with_repeats(text):
    return "".join(sorted(text))


@mutant("build_vocabulary", "sort the characters")
def vocabulary_unsorted(text):
    return "".join(dict.fromkeys(text))


@mutant("build_vocabulary", "keep capitals")
def vocabulary_lowercase(text):
    return "".join(sorted(set(text.lower())))


@mutant("windows", "the last window must still have a next id")
def windows_one_too_many(ids, context_length):
    X = np.lib.stride_tricks.sliding_window_view(ids, context_length)
    return X, ids[context_length:]


@mutant("windows", "not the last id inside it")
def windows_target_inside(ids, context_length):
    starts = np.arange(len(ids) - context_length)
    X = ids[starts[:, None] + np.arange(context_length)]
    return X, ids[context_length - 1:-1]


@mutant("windows", "the window slides by one id")
def windows_side_by_side(ids, context_length):
    n_pairs = (len(ids) - 1) // context_length
    X = ids[: n_pairs * context_length].reshape(n_pairs, context_length)
    y = ids[context_length::context_length][:n_pairs]
    return X, y


@mutant("embed", "counted from 0")
def embed_counts_from_one(ids, E):
    return E[ids - 1]


@mutant("embed", "not columns")
def embed_columns(ids, E):
    return E.T[ids]


@mutant("embed", "num_classes=E.shape[0]")
def embed_one_hot_too_narrow(ids, E):
    return torch.nn.functional.one_hot(ids).float() @ E


@mutant("embed", "gradients flow back to E")
def embed_through_numpy(ids, E):
    return torch.from_numpy(E.detach().numpy()[ids.numpy()])


@mutant("sample_next", "without dividing by 0")
def sample_no_special_case(logits, temperature, generator):
    probs = torch.softmax(logits / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


@mutant("sample_next", "not always the largest score")
def sample_greedy(logits, temperature, generator):
    return int(torch.argmax(logits))


@mutant("sample_next", "not multiply")
def sample_times_temperature(logits, temperature, generator):
    if temperature == 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits * temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


@mutant("sample_next", "generator you are given")
def sample_global_rng(logits, temperature, generator):
    if temperature == 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / temperature, dim=-1)
    return int(torch.multinomial(probs, 1))


@mutant("generate", "the LAST context_length ids")
def generate_window_from_start(model, prompt, n_new, context_length, temperature, generator):
    ids = list(prompt)
    for _ in range(n_new):
        logits = model(torch.tensor([ids[:context_length]]))[0]
        ids.append(sample_next(logits, temperature, generator))
    return ids


@mutant("generate", "reads exactly context_length")
def generate_whole_sequence(model, prompt, n_new, context_length, temperature, generator):
    ids = list(prompt)
    for _ in range(n_new):
        logits = model(torch.tensor([ids]))[0]
        ids.append(sample_next(logits, temperature, generator))
    return ids


@mutant("generate", "the prompt followed by the n_new new ids")
def generate_only_new(model, prompt, n_new, context_length, temperature, generator):
    ids = list(prompt)
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-context_length:]]))[0]
        ids.append(sample_next(logits, temperature, generator))
    return ids[len(prompt):]


@mutant("generate", "passing on the temperature and generator")
def generate_always_greedy(model, prompt, n_new, context_length, temperature, generator):
    ids = list(prompt)
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-context_length:]]))[0]
        ids.append(int(torch.argmax(logits)))
    return ids


@mutant("encode", "return a list")
def encode_as_an_array(text, vocab):
    return np.array([vocab.index(ch) for ch in text])


@mutant("windows", "even with no pairs")
def windows_from_a_list_of_windows(ids, context_length):
    X = np.array([ids[i:i + context_length] for i in range(len(ids) - context_length)])
    return X, ids[context_length:]


@mutant("sample_next", "overflows to inf")
def sample_with_a_hand_made_softmax(logits, temperature, generator):
    if temperature == 0:
        return int(torch.argmax(logits))
    exps = torch.exp(logits / temperature)
    return int(torch.multinomial(exps / exps.sum(), 1, generator=generator))


@mutant("sample_next", "return a Python int")
def sample_returns_a_tensor(logits, temperature, generator):
    if temperature == 0:
        return torch.argmax(logits)
    probs = torch.softmax(logits / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)


@mutant("generate", "instead of editing `prompt` in place")
def generate_appends_to_the_prompt(model, prompt, n_new, context_length, temperature, generator):
    ids = prompt
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-context_length:]]))[0]
        ids.append(sample_next(logits, temperature, generator))
    return ids
