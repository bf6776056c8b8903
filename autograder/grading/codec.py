"""Values across the kernel boundary: JSON with .npy arrays inside, never pickle.

The grader and the learner's kernel exchange arguments and results as JSON. Numbers,
strings, bytes, lists, tuples, dicts, numpy arrays, torch tensors and torch generators
(by their state) travel as data. A plain function the hidden tests pass to the learner's
function (a model, a loss, a function to differentiate) travels as its source code with
the values and modules it uses, and is rebuilt in the kernel: it then runs there at full
speed, with autograd, and with nothing of the grader's process reachable from it.

This module runs on both sides: the grader imports it, and the kernel (which cannot see
the project) is sent its source, so it must not import anything from the course.
"""

from __future__ import annotations

import ast
import base64
import builtins
import inspect
import io
import textwrap
import types
from typing import Any

import numpy as np


class Unreadable:
    """A value the kernel returned that is not data the grader can read."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<an object of type {self.kind}>"


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def _is_torch(value: Any, kind: str) -> bool:
    return type(value).__module__.startswith("torch") and type(value).__name__ == kind


def _plain(values: list | tuple) -> bool:
    """Whether every item is a JSON scalar (a fast path for long lists of ids)."""
    return all(type(v) in (int, float, str, bool) or v is None for v in values)


def encode(value: Any, strict: bool = True) -> Any:
    """A JSON-able form of `value`.

    strict (the grader's side): functions travel as source; other types raise TypeError.
    Not strict (the kernel's side): anything that is not data, functions included, is sent
    as `Unreadable`, so a learner's odd result cannot crash the call or reach the grader
    as code.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        items = list(value) if _plain(value) else [encode(v, strict) for v in value]
        return {"__seq__": items, "tuple": isinstance(value, tuple)}
    if isinstance(value, dict):
        return {"__items__": [[encode(k, strict), encode(v, strict)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if _is_torch(value, "Generator"):
        return {"__generator__": _npy(value.get_state().numpy())}
    is_tensor = _is_torch(value, "Tensor") or _is_torch(value, "Parameter")
    if is_tensor or isinstance(value, (np.ndarray, np.generic)):
        try:
            array = value.detach().cpu().numpy() if is_tensor else np.asarray(value)
            return {"__npy__": _npy(array), "torch": is_tensor, "scalar": isinstance(value, np.generic)}
        except (TypeError, ValueError, RuntimeError):
            pass  # e.g. an object array: not data
    elif strict and isinstance(value, types.FunctionType):
        return encode_function(value)
    if strict:
        raise TypeError(f"cannot pass a {type(value).__name__} to the learner's function")
    return {"__unreadable__": type(value).__name__}


def encode_function(fn: types.FunctionType) -> dict:
    """A named function as its source, the globals and closure values it uses, and its defaults."""
    if fn.__name__ == "<lambda>":
        raise TypeError("pass the learner a named function (def ...), not a lambda: "
                        "the grader sends functions to the kernel as source code")
    names: set[str] = set()
    codes = [fn.__code__]
    while codes:  # the names used by the function and by functions nested in it
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    context = {name: value for name, value in fn.__globals__.items()
               if name in names and value is not fn and name != "__builtins__"}
    cells = fn.__closure__ or ()
    context.update(zip(fn.__code__.co_freevars, (c.cell_contents for c in cells), strict=True))
    return {"__function__": bare_source(fn), "name": fn.__name__,
            "context": {name: {"__module__": value.__name__} if isinstance(value, types.ModuleType)
                        else encode(value) for name, value in context.items()},
            "defaults": encode(fn.__defaults__), "kwdefaults": encode(fn.__kwdefaults__)}


def bare_source(fn: types.FunctionType) -> str:
    """The function's source without decorators and with every default replaced by None.

    Default expressions name things of the defining scope (`margin=margin` in a loop); the
    values themselves travel in the encoded function and are set after the rebuild.
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    definition = tree.body[0]
    definition.decorator_list = []
    arguments = definition.args
    arguments.defaults = [ast.Constant(None) for _ in arguments.defaults]
    arguments.kw_defaults = [None if d is None else ast.Constant(None) for d in arguments.kw_defaults]
    return ast.unparse(tree)


def decode(value: Any, code: bool = False) -> Any:
    """The value `encode` described.

    code=True (the kernel's side only) rebuilds functions from their source and imports
    the modules they use; the grader never passes it, so nothing the kernel sends can
    become code in the grader's process.
    """
    if not isinstance(value, dict):
        return value
    if "__seq__" in value:
        items = [decode(v, code) for v in value["__seq__"]]
        return tuple(items) if value["tuple"] else items
    if "__items__" in value:
        return {decode(k, code): decode(v, code) for k, v in value["__items__"]}
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__npy__" in value:
        array = _from_npy(value["__npy__"])
        if value.get("torch"):
            import torch

            return torch.from_numpy(array)
        return array[()] if value.get("scalar") else array
    if "__generator__" in value:
        import torch

        generator = torch.Generator()
        generator.set_state(torch.from_numpy(_from_npy(value["__generator__"])))
        return generator
    if code and "__learner__" in value:  # a function the learner defined in this kernel
        from IPython import get_ipython

        return get_ipython().user_ns[value["__learner__"]]
    if code and "__module__" in value:
        return __import__(value["__module__"], fromlist=["_"])
    if code and "__function__" in value:
        context = {name: decode(v, code) for name, v in value["context"].items()}
        namespace = {"__builtins__": builtins, **context}
        exec(compile(value["__function__"], f"<the grader's {value['name']}>", "exec"), namespace)
        fn = namespace[value["name"]]
        fn.__defaults__ = decode(value["defaults"], code)
        fn.__kwdefaults__ = decode(value["kwdefaults"], code)
        return fn
    return Unreadable(str(value.get("__unreadable__", "unknown")))


def _came_back(original: Any, changed: Any) -> Any:
    """An item of a list or dict as the kernel returned it; a function the grader passed
    comes back as `Unreadable` (code never travels to the grader), so it stands for itself."""
    if isinstance(changed, Unreadable) and isinstance(original, types.FunctionType):
        return original
    return changed


def write_back(original: Any, changed: Any) -> None:
    """Copy into `original`, in place, what the learner's function did to its copy.

    Arguments cross the boundary as copies; writing the kernel's copies back lets hidden
    tests see a function that modified its inputs, and a generator's state advance.
    """
    if isinstance(original, list) and isinstance(changed, list):
        original[:] = [_came_back(*items) for items in zip(original, changed)] + changed[len(original):]
    elif isinstance(original, dict) and isinstance(changed, dict):
        kept = {key: _came_back(original[key], value) if key in original else value
                for key, value in changed.items()}
        original.clear()
        original.update(kept)
    elif isinstance(original, np.ndarray) and np.shape(changed) == original.shape:
        original[...] = changed
    elif _is_torch(original, "Tensor") and tuple(getattr(changed, "shape", ())) == tuple(original.shape):
        import torch

        with torch.no_grad():
            original.copy_(changed)
    elif _is_torch(original, "Generator") and _is_torch(changed, "Generator"):
        original.set_state(changed.get_state())
