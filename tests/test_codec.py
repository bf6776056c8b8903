"""What crosses between the grader and a learner's kernel (autograder/grading/codec.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.grading import codec

SCALE = 3.0


def scaled_square(x):
    """Uses a module (math), a global constant (SCALE) and another function of this module."""
    return SCALE * math.fabs(halve(x)) ** 2


def halve(x):
    return x / 2


def round_trip(value, code: bool = True):
    return codec.decode(codec.encode(value), code=code)


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary(),
    lambda inner: (st.lists(inner) | st.tuples(inner, inner)
                   | st.dictionaries(st.text() | st.integers(), inner)),
    max_leaves=20)


@given(json_data)
def test_data_round_trips_exactly(value) -> None:
    assert round_trip(value) == value


def test_arrays_tensors_and_numpy_scalars_keep_type_dtype_and_values() -> None:
    array, tensor = np.arange(6, dtype=np.int16).reshape(2, 3), torch.linspace(0, 1, 5)
    assert round_trip(array).dtype == np.int16 and np.array_equal(round_trip(array), array)
    assert isinstance(round_trip(tensor), torch.Tensor) and torch.equal(round_trip(tensor), tensor)
    assert type(round_trip(np.float32(1.5))) is np.float32


def test_a_generator_arrives_in_the_same_state() -> None:
    generator = torch.Generator().manual_seed(7)
    copy = round_trip(generator)
    assert torch.equal(torch.rand(4, generator=copy), torch.rand(4, generator=generator))


def test_a_function_is_rebuilt_with_its_globals_closure_and_defaults() -> None:
    weights = [2, 3]

    def model(x, bias=weights[0] * 10, *, scale=1):
        return scale * (torch.tensor(weights) @ x) + bias

    rebuilt = round_trip(model)
    assert rebuilt(torch.tensor([1, 1])) == model(torch.tensor([1, 1])) == 25
    assert rebuilt(torch.tensor([1, 0]), 0, scale=2) == 4
    assert round_trip(scaled_square)(4.0) == scaled_square(4.0) == 12.0


def test_a_lambda_is_refused_with_a_reason() -> None:
    with pytest.raises(TypeError, match="named function"):
        codec.encode(lambda x: x)


def test_nothing_from_the_kernel_becomes_code_in_the_grader() -> None:
    """The grader decodes without code=True: a function or a module stays unreadable data."""
    assert isinstance(codec.decode(codec.encode(scaled_square)), codec.Unreadable)
    assert isinstance(codec.decode({"__module__": "os"}), codec.Unreadable)
    assert isinstance(codec.decode({"__learner__": "dense"}), codec.Unreadable)


def test_the_kernel_sends_odd_results_as_unreadable_instead_of_failing() -> None:
    sent = codec.encode([object(), scaled_square], strict=False)
    assert all(isinstance(item, codec.Unreadable) for item in codec.decode(sent))
    with pytest.raises(TypeError, match="cannot pass a object"):
        codec.encode(object())


def test_write_back_copies_in_place_what_the_learner_changed() -> None:
    array, tensor, items, table = np.zeros(3), torch.zeros(2), [1, 2], {"w": 1}
    codec.write_back(array, np.ones(3))
    codec.write_back(tensor, torch.ones(2))
    codec.write_back(items, [1, 2, 3])
    codec.write_back(table, {"w": 2})
    assert array.tolist() == [1, 1, 1] and tensor.tolist() == [1, 1]
    assert items == [1, 2, 3] and table == {"w": 2}
    generator, advanced = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    torch.rand(3, generator=advanced)
    codec.write_back(generator, advanced)
    assert torch.equal(torch.rand(2, generator=generator), torch.rand(2, generator=advanced))


def test_write_back_keeps_the_functions_of_a_list_or_dict_the_kernel_cannot_send_back() -> None:
    def sublayer(x):
        return x

    def through_the_kernel(value):
        return codec.decode(codec.encode(value, strict=False))

    blocks, named = [sublayer, sublayer], {"ln": sublayer, "p": 0.1}
    codec.write_back(blocks, through_the_kernel([sublayer, sublayer]))
    codec.write_back(named, through_the_kernel({"ln": sublayer, "p": 0.2}))
    assert blocks == [sublayer, sublayer] and named == {"ln": sublayer, "p": 0.2}
    popped = [sublayer, sublayer]
    codec.write_back(popped, through_the_kernel([sublayer]))
    assert popped == [sublayer]
