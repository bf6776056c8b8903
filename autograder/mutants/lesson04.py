"""Wrong answers to lesson 04 that learners really write."""

import numpy as np
import torch

from autograder.mutants import mutant, replaced
from solutions.lesson04 import build_vocabulary, decode, embed, encode, generate, sample_next, windows

encode_counts_from_one = replaced(encode, "position[ch] for ch", "position[ch] + 1 for ch", "do not add 1")


@mutant("encode", "its ASCII code")
def encode_ascii_arithmetic(text, vocab):
    return [ord(ch) - ord("a") + 1 for ch in text]


decode_counts_from_one = replaced(decode, "vocab[i] for i in ids", "vocab[i - 1] for i in ids",
                                  "do not subtract 1")

decode_returns_a_list = replaced(decode, '"".join(vocab[i] for i in ids)', "[vocab[i] for i in ids]",
                                 "return one string")

vocabulary_with_repeats = replaced(build_vocabulary, "sorted(set(text))", "sorted(text)",
                                   "a set drops the repeats")

vocabulary_unsorted = replaced(build_vocabulary, "sorted(set(text))", "dict.fromkeys(text)",
                               "sort the characters")

vocabulary_lowercase = replaced(build_vocabulary, "set(text)", "set(text.lower())", "keep capitals")


@mutant("windows", "the last window must still have a next id")
def windows_one_too_many(ids, context_length):
    X = np.lib.stride_tricks.sliding_window_view(ids, context_length)
    return X, ids[context_length:]


windows_target_inside = replaced(windows, "y = ids[context_length:]", "y = ids[context_length - 1:-1]",
                                 "not the last id inside it")


@mutant("windows", "the window slides by one id")
def windows_side_by_side(ids, context_length):
    n_pairs = (len(ids) - 1) // context_length
    X = ids[: n_pairs * context_length].reshape(n_pairs, context_length)
    y = ids[context_length::context_length][:n_pairs]
    return X, y


embed_counts_from_one = replaced(embed, "E[ids]", "E[ids - 1]", "counted from 0")
embed_columns = replaced(embed, "E[ids]", "E.T[ids]", "not columns")


@mutant("embed", "num_classes=E.shape[0]")
def embed_one_hot_too_narrow(ids, E):
    return torch.nn.functional.one_hot(ids).float() @ E


@mutant("embed", "gradients flow back to E")
def embed_through_numpy(ids, E):
    return torch.from_numpy(E.detach().numpy()[ids.numpy()])


sample_no_special_case = replaced(sample_next,
                                  "if temperature == 0:\n        return int(torch.argmax(logits))", "",
                                  "without dividing by 0")


@mutant("sample_next", "not always the largest score")
def sample_greedy(logits, temperature, generator):
    return int(torch.argmax(logits))


sample_times_temperature = replaced(sample_next, "logits / temperature", "logits * temperature",
                                    "not multiply")

sample_global_rng = replaced(sample_next, ", generator=generator", "", "generator you are given")

generate_window_from_start = replaced(generate, "ids[-context_length:]", "ids[:context_length]",
                                      "the LAST context_length ids")

generate_whole_sequence = replaced(generate, "torch.tensor([ids[-context_length:]])", "torch.tensor([ids])",
                                   "reads exactly context_length")

generate_only_new = replaced(generate, "return ids", "return ids[len(prompt):]",
                             "the prompt followed by the n_new new ids")

generate_always_greedy = replaced(generate, "sample_next(logits, temperature, generator)",
                                  "int(torch.argmax(logits))", "passing on the temperature and generator")

encode_as_an_array = replaced(encode, "return [position[ch] for ch in text]",
                              "return np.array([position[ch] for ch in text])", "return a list")


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


generate_appends_to_the_prompt = replaced(generate, "ids = list(prompt)", "ids = prompt",
                                          "instead of editing `prompt` in place")
