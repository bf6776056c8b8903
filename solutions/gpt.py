"""The course's GPT computed by the reference answers of lessons 07 and 08.

For the scripts in assets/ and for the tests: the same model class the lessons train
(`helpers.gpt.GPT`), wired to the reference functions instead of a learner's.
"""

from helpers.gpt import GPT, GPTConfig, Ops
from solutions import lesson07, lesson08

REFERENCE_OPS = Ops(layer_norm=lesson08.layer_norm, dropout=lesson08.dropout, mlp=lesson08.mlp,
                    multi_head_attention=lesson07.multi_head_attention, block=lesson08.block,
                    gpt_forward=lesson08.gpt_forward)


def reference_gpt(config: GPTConfig, seed: int = 0) -> GPT:
    """A freshly initialised GPT of shape `config` that computes with the reference answers."""
    return GPT(config, REFERENCE_OPS, seed=seed)
