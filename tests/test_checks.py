"""Visible checks and hidden tests, run in-process: fast feedback on every exercise.

Invariant 9: a check never crashes on what a learner's function returns or raises, never
shows its own source, and leaves the learner's arguments as they were.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

from autograder import ROOT
from autograder.build import all_lessons
from autograder.grading.codec import Unreadable
from autograder.hidden.common import like, like_the_visible_calls
from autograder.mutants import mutants_of
from helpers.checking import Check, CheckFailed, guarded

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def stub(name: str):
    """The release's stub of exercise `name`: it raises NotImplementedError."""
    def not_written(*args, **kwargs):
        raise NotImplementedError()

    not_written.__code__ = not_written.__code__.replace(co_name=name)
    return not_written


def test_reference_passes_visible_and_hidden_checks(exercise):
    lesson, name = exercise
    reference = getattr(lesson.solutions(), name)
    getattr(lesson.checks(), name)(reference)
    getattr(lesson.hidden(), name)(reference)


def test_a_stub_is_told_to_write_the_function(exercise):
    lesson, name = exercise
    for module in (lesson.checks(), lesson.hidden()):
        with pytest.raises(CheckFailed, match=f"`{name}[^`]*` is not written yet"):
            getattr(module, name)(stub(name))


def test_every_exercise_has_two_mutants(exercise):
    lesson, name = exercise
    assert len([m for m in mutants_of(lesson.mutants()) if m.exercise == name]) >= 2


# a mutant is a learner's wrong code: torch's warning about `K.T` on a batch is part of the mistake
@pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors:UserWarning")
def test_each_mutant_fails_with_its_message(mutant):
    """The visible check catches the mutant, or else the hidden test does; either way the
    message names the mistake."""
    lesson, mutant = mutant
    with pytest.raises(CheckFailed) as failure:
        getattr(lesson.checks(), mutant.exercise)(mutant.fn)
        getattr(lesson.hidden(), mutant.exercise)(mutant.fn)
    assert mutant.message in str(failure.value)


# ---------------------------------------------------------------------------------------
# Whatever comes back, a check fails with a message saying what (never another exception)


class Weird(Exception):
    """An exception a learner's code might raise that no check expects."""


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("even printing this fails")


class ComparesBadly:
    """An object whose comparisons and conversions all raise."""

    def __eq__(self, other):
        raise ValueError("cannot compare")

    __ne__ = __lt__ = __gt__ = __eq__
    __hash__ = object.__hash__

    def __array__(self, *args, **kwargs):
        raise TypeError("not an array")

    def __repr__(self):
        return "<ComparesBadly>"


def mutate(value) -> bool:
    """Change `value` in place if it is data that can change; say whether it did."""
    if isinstance(value, np.ndarray) and value.size and value.flags.writeable:
        value.flat[0] = ~value.flat[0] if value.dtype == bool else value.flat[0] + 1
        return True
    if isinstance(value, torch.Tensor) and value.numel() and type(value) is torch.Tensor:
        first = (0,) * value.dim()
        with torch.no_grad():
            value[first] = ~value[first] if value.dtype == torch.bool else value[first] + 1
        return True
    if isinstance(value, list):
        value.append(value[0] if value else 0)
        return True
    if isinstance(value, dict):
        value["__added__"] = 0
        return True
    return False


def wrong(kind: str, reference):
    """A learner function of the given kind, built around the reference answer."""
    def answer(*args, **kwargs):
        if kind == "none":
            return None
        if kind == "string":
            return "oops"
        if kind == "list":
            return [7, 7, 7]
        if kind == "zero_d":
            return np.array(0.5)
        if kind == "odd_object":
            return ComparesBadly()
        if kind == "unreadable":  # what the course's grader receives for a value that is not data
            return Unreadable("generator")
        if kind == "raises":
            raise Weird("odd")
        if kind == "raises_unprintable":
            raise Unprintable()
        result = reference(*args, **kwargs)
        if kind == "wrong_shape":
            return np.zeros((2, 3, 4)) if not hasattr(result, "shape") else result[..., None]
        if kind == "mutates":
            answer.mutated |= any(mutate(value) for value in (*args, *kwargs.values()))
        return result

    answer.mutated = False
    return answer


#: kind -> what the message must say (any of these words) about what came back.
WHAT_CAME_BACK = {
    "none": ["returned None"],
    "string": ["oops"],
    "list": ["7, 7, 7", "a list of 3 items"],
    "zero_d": ["0-d", "shape ()", "0.5"],
    "odd_object": ["ComparesBadly"],
    "unreadable": ["<an object of type generator>"],
    "raises": ["Weird: odd"],
    "raises_unprintable": ["Unprintable"],
    "wrong_shape": ["shape", "(2, 3, 4)"],
    "mutates": ["changed its argument"],
}


@pytest.mark.parametrize("kind", list(WHAT_CAME_BACK))
def test_a_check_fails_and_names_what_came_back(exercise, kind):
    lesson, name = exercise
    reference = getattr(lesson.solutions(), name)
    for module in (lesson.checks(), lesson.hidden()):
        answer = wrong(kind, reference)
        try:
            getattr(module, name)(answer)
        except CheckFailed as failure:
            message = str(failure)
        else:
            if kind == "mutates" and not answer.mutated:
                continue  # every argument is immutable (numbers, strings): nothing to change
            pytest.fail(f"{module.__name__}.{name} passed a function that {kind.replace('_', ' ')}")
        assert any(words in message for words in WHAT_CAME_BACK[kind]), message
        assert "Likely mistake:" in message


def test_every_check_and_hidden_test_is_guarded(exercise):
    """A crash of a check's own code on what came back becomes a failure, in every exercise."""
    lesson, name = exercise
    for module in (lesson.checks(), lesson.hidden()):
        assert getattr(getattr(module, name), "guarded", False), f"{module.__name__}.{name} lacks @guarded"


def _pairs_as_numbers(item):
    """A list of (step, value) pairs as the values alone."""
    if isinstance(item, list) and item and all(isinstance(pair, tuple) for pair in item):
        return [pair[-1] for pair in item]
    return item


#: kind -> how each item of the reference's container (or the result itself, for a tensor or
#: an array) is changed: the right container with the wrong insides.
INSIDES = {
    "nones_inside": lambda item: None,
    "pairs_as_numbers": _pairs_as_numbers,
    "list_as_dict": lambda item: dict(enumerate(item)) if isinstance(item, list) else item,
    "integer_dtype": lambda item: (item.long() if isinstance(item, torch.Tensor) and item.is_floating_point()
                                   else item.astype(np.int64) if isinstance(item, np.ndarray)
                                   and item.dtype.kind == "f" else item),
    "bool_dtype": lambda item: item > 0 if isinstance(item, (torch.Tensor, np.ndarray))
                                and item.dtype not in (torch.bool, np.bool_) else item,
}


def wrong_inside(kind: str, reference):
    """A learner function that returns the reference's result with `kind`'s wrong insides;
    `answer.changed` says whether any result it returned differs from the reference's."""
    change = INSIDES[kind]

    def answer(*args, **kwargs):
        result = reference(*args, **kwargs)
        if isinstance(result, dict):
            changed = {key: change(item) for key, item in result.items()}
        elif type(result) in (list, tuple):
            changed = type(result)(change(item) for item in result)
        elif kind in ("integer_dtype", "bool_dtype"):
            changed = change(result)
        else:
            return result
        answer.changed |= changed is not result
        return changed

    answer.changed = False
    return answer


@pytest.mark.parametrize("kind", list(INSIDES))
def test_a_container_with_the_wrong_insides_fails_and_never_crashes(exercise, kind):
    lesson, name = exercise
    reference = getattr(lesson.solutions(), name)
    for module in (lesson.checks(), lesson.hidden()):
        answer = wrong_inside(kind, reference)
        try:
            getattr(module, name)(answer)
        except CheckFailed as failure:
            assert "Likely mistake:" in str(failure)
        # passing is allowed: an integer result may be right, a change may change nothing


@pytest.mark.parametrize(("change", "words"), [
    (lambda history: {**history, "held_out": [loss for _, loss in history["held_out"]]},
     "record each evaluation as a pair (step, loss)"),
    (lambda history: {**history, "held_out": dict(history["held_out"])},
     "the value of 'held_out' is a dict of 3 items, not a list"),
    (lambda history: {key: None for key in history}, "the value of 'train' is None, not a list"),
], ids=["held-out-losses-alone", "held-out-as-a-dict", "none-values"])
def test_train_gpt_with_the_wrong_insides_fails_saying_what(change, words):
    from helpers.checks import lesson08
    from solutions.lesson08 import train_gpt

    with pytest.raises(CheckFailed, match=re.escape(words)):
        lesson08.train_gpt(lambda *args, **kwargs: change(train_gpt(*args, **kwargs)))


@pytest.mark.parametrize("change", [torch.Tensor.long, lambda out: out > 0], ids=["integers", "bools"])
def test_layer_norm_that_is_not_floating_point_fails_saying_so(change):
    from helpers.checks import lesson08
    from solutions.lesson08 import layer_norm

    with pytest.raises(CheckFailed, match="should give floating-point numbers"):
        lesson08.layer_norm(lambda *args: change(layer_norm(*args)))


def test_a_crash_shows_the_learners_error_then_the_hint():
    from helpers.checks import lesson01

    def dense(x, W, b):
        return x @ W + b  # (3,) @ (2, 3): a shape error

    with pytest.raises(CheckFailed) as failure:
        lesson01.dense(dense)
    assert isinstance(failure.value.__cause__, ValueError)  # the learner's own traceback
    text = ANSI.sub("", "\n".join(failure.value._render_traceback_()))
    assert text.index("`dense` raised an error on x=[1, 1, 2]") < text.index("return x @ W + b") \
        < text.index("ValueError: matmul") < text.index("Likely mistake: output j is sum_i")
    assert "checking.py" not in text and "lesson01.py" not in text


def test_a_crashing_hidden_test_gives_that_exercises_hint(exercise):
    """Not a generic sentence: each hidden test names what its exercise computes."""
    lesson, name = exercise
    with pytest.raises(CheckFailed) as failure:
        getattr(lesson.hidden(), name)(wrong("raises", None))
    hint = str(failure.value).split("Likely mistake:")[1]
    assert "compare each step of your code with what the docstring asks" not in hint
    assert "check the shapes" not in hint


def test_hidden_failures_do_not_reveal_expected_values():
    from autograder.hidden import lesson01

    def relu(z):
        return z

    with pytest.raises(CheckFailed) as failure:
        lesson01.relu(relu)
    assert "expected" not in str(failure.value)
    assert "Likely mistake" in str(failure.value)


# ---------------------------------------------------------------------------------------
# The engine's rules, one by one


def test_values_that_differ_are_shown_with_enough_digits():
    chk = Check("f", lambda: None)
    with pytest.raises(CheckFailed) as failure:
        chk.close([0.1234567, 2.0], [0.1234999, 2.0], case="c", hint="h")
    assert "0.1234567" in str(failure.value) and "0.1234999" in str(failure.value)


def test_a_function_documented_to_modify_its_argument_may():
    def normalise_in_place(v):
        v /= np.linalg.norm(v)
        return v

    Check("f", normalise_in_place, modifies=("v",)).run(np.array([3.0, 4.0]))
    with pytest.raises(CheckFailed, match="changed its argument `v`"):
        Check("f", normalise_in_place).run(np.array([3.0, 4.0]))


def test_a_nan_that_comes_back_as_another_nan_is_unchanged():
    """Arguments that cross the kernel boundary come back as new objects: nan != nan."""
    def rewrites(values):
        values[:] = [value + 0.0 for value in values]  # equal values, new float objects
        return len(values)

    def replaces_the_nan(values):
        values[1] = 2.0
        return len(values)

    Check("f", rewrites).run([3.0, float("nan")])
    with pytest.raises(CheckFailed, match="changed its argument `values`"):
        Check("f", replaces_the_nan).run([3.0, float("nan")])


def test_the_promised_type_comes_from_the_reference_annotation():
    def reference(n: int) -> int:
        return n

    def learner(n):
        return float(n)

    with pytest.raises(CheckFailed, match="returned a Python float .*promises a Python int"):
        Check("f", learner, reference=reference).run(3)
    with pytest.raises(CheckFailed, match="0-d numpy array"):
        Check("f", lambda: np.array(2.0), returns=float).run()
    with pytest.raises(CheckFailed, match=r"item 1 is a Python float \(2.0\), not a Python int"):
        Check("f", lambda: [1, 2.0], returns=list[int]).run()
    Check("f", lambda: [1, np.int64(2)], returns=list[int]).run()  # ids from numpy are ids


def test_guarded_turns_a_crash_of_the_check_into_a_failure():
    @guarded
    def check(fn):
        chk = Check("f", fn)
        chk.run()["key"]  # the check assumes a dict

    with pytest.raises(CheckFailed, match=r"`f` returned something the check could not read: \[1, 2\]"):
        check(lambda: [1, 2])


def test_a_wrong_python_float_is_shown_as_one():
    """Not as a 0-d array: the learner returned a float, and the message says so."""
    from autograder.hidden import lesson02 as hidden
    from helpers.checks import lesson02 as visible
    from solutions.lesson02 import squared_error

    def off_by_one(predicted, target):
        return squared_error(predicted, target) + 1.0

    with pytest.raises(CheckFailed) as failure:
        visible.squared_error(off_by_one)
    assert "expected: 4.0\n  got:      5.0\n" in str(failure.value)
    assert "shape ()" not in str(failure.value)
    with pytest.raises(CheckFailed, match=r"got: a Python float \(") as failure:
        hidden.squared_error(off_by_one)
    assert "0-d" not in str(failure.value)


def test_a_call_that_never_finishes_fails_with_a_hint(monkeypatch):
    """Only visible checks set the time limit; an `except Exception` cannot swallow it."""
    from helpers import checking

    def spins(x):
        while True:
            try:
                x = x + 1
            except Exception:
                pass

    monkeypatch.setattr(checking, "CALL_SECONDS", 0.2)
    with pytest.raises(CheckFailed, match="ran for 0.2 seconds on the call with x=3 without finishing") \
            as failure:
        Check("f", spins).run(3)
    assert "a loop that never ends" in str(failure.value)
    assert ", in spins" in ANSI.sub("", "\n".join(failure.value._render_traceback_()))  # where it was


def test_the_time_limit_leaves_another_timer_alone():
    import signal

    from helpers.checking import time_limit

    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        with time_limit(0.01):
            import time

            time.sleep(0.05)  # no limit set here: the outer timer is someone else's
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 90
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_a_numpy_array_where_a_tensor_is_promised_fails():
    """Lesson 13: the hidden tests take the reference's promise through run_through, and the
    visible checks promise a tensor themselves (a learner may drop the stub's annotation)."""
    from autograder.hidden import lesson13 as hidden
    from helpers.checks import lesson13 as visible
    from solutions.lesson13 import attention_patterns, logit_lens

    for reference in (attention_patterns, logit_lens):
        def as_numpy(model, tokens, reference=reference):  # no annotation
            return reference(model, tokens).detach().numpy()

        for module in (visible, hidden):
            with pytest.raises(CheckFailed, match="a numpy array .*promises a torch tensor"):
                getattr(module, reference.__name__)(as_numpy)


# ---------------------------------------------------------------------------------------
# What a learner sees in the notebook


@pytest.fixture(scope="module")
def shell():
    """An IPython shell, as in a notebook, after the first cell of a lesson."""
    shell = InteractiveShell.instance()
    shell.run_cell("from helpers.env import check_environment\ncheck_environment(['numpy'])")
    yield shell
    shell.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def shown(shell, capsys, source: str) -> str:
    """What the notebook shows of a cell's error when `source` runs in it (ANSI colours removed;
    progress bars on stderr left out)."""
    capsys.readouterr()
    shell.run_cell(source)
    return ANSI.sub("", capsys.readouterr().out)


def expected_values(check, reference) -> dict[str, list[str]]:
    """case -> how each expected value of the check's cases is shown, from a reference run."""
    from helpers import checking

    seen: dict[str, list[str]] = {}
    close, equal = Check.close, Check.equal

    def recording(method):
        def record(self, got, expected, *, case, hint, **options):
            seen.setdefault(case, []).append(checking._show(expected))
            return method(self, got, expected, case=case, hint=hint, **options)

        return record

    try:
        Check.close, Check.equal = recording(close), recording(equal)
        check(reference)
    finally:
        Check.close, Check.equal = close, equal
    return seen


def test_a_failure_shows_one_compact_block(mutant, shell, capsys):
    """Never the check's source, never another case's expected values: the exercise, the case,
    expected and got, the likely mistake (and the learner's own frames if their code raised)."""
    lesson, mutant = mutant
    check = getattr(lesson.checks(), mutant.exercise)
    shell.user_ns.update(check=check, answer=mutant.fn)
    capsys.readouterr()
    failure = shell.run_cell("check(answer)").error_in_exec
    text = ANSI.sub("", capsys.readouterr().out)
    if failure is None:
        pytest.skip("only the hidden test catches this mutant")
    assert isinstance(failure, CheckFailed), text
    message, raised = str(failure), failure.__cause__ is not None
    if raised:  # the message, with the learner's own frames after its first line
        lines = message.splitlines()
        assert text.startswith(lines[0] + "\n") and text.rstrip().endswith("\n".join(lines[1:]))
    else:
        assert text.strip() == message.strip()
    assert mutant.message in text and "Traceback" not in text
    beyond_message = [line for line in text.splitlines() if line not in message.splitlines()]
    source = Path(inspect.getsourcefile(check)).read_text()
    assert [line.strip() for line in source.splitlines()  # no frame of the check's own code
            if len(line.strip()) > 12 and any(line.strip() in extra for extra in beyond_message)] == []
    values = expected_values(check, getattr(lesson.solutions(), mutant.exercise))
    assert [case for case in values if case not in message and len(case) > 12 and case in text] == []
    shown_here = {v for case, vs in values.items() if case in message for v in vs}
    got = message.split("got:", 1)[1].split("Likely mistake:")[0] if "got:" in message else ""
    assert [value for case, vs in values.items() if case not in message for value in vs
            if len(value) > 12 and value in text and value not in got
            and not any(value in here for here in shown_here)] == []


def test_a_cell_using_an_unfinished_exercise_names_it(shell, capsys):
    shell.run_cell("def relu(z):\n    raise NotImplementedError()\n")
    text = shown(shell, capsys, "import numpy as np\nz = np.linspace(-1, 1, 5)\nprint(relu(z) + 1)")
    assert "`relu` is not written yet, and this cell uses it. Finish the exercise `relu` first" in text
    assert "Traceback" not in text and "Cell In" not in text and "<module>" not in text
    other = shown(shell, capsys, "raise NotImplementedError('not a stub')")
    assert "Traceback" in other and "not a stub" in other  # any other one: shown as usual


def test_a_variable_that_an_unfinished_exercise_left_undefined_names_it(shell, capsys):
    """A cell stopped by an unfinished exercise leaves its variables undefined; a later cell
    that reads one is told which exercise to finish (lesson 01's `scores` and `W`)."""
    shell.run_cell("def collapse(W1, b1, W2, b2):\n    raise NotImplementedError()\n")
    stopped = shown(shell, capsys, "import numpy as np\nzeros = np.zeros(2)\n"
                                   "W, b = collapse(zeros, zeros, zeros, zeros)\none_layer = W + 1\n")
    assert "Finish the exercise `collapse` first" in stopped
    for variable in ("W", "one_layer"):
        text = shown(shell, capsys, f"print({variable})")
        assert (f"NameError: `{variable}` is not defined: the cell that computes it stopped because "
                "`collapse` was not written yet. Finish the exercise `collapse` first") in text
        assert "Traceback" not in text
    other = shown(shell, capsys, "print(zeros, never_defined)")
    assert "Traceback" in other and "name 'never_defined' is not defined" in other


def test_every_error_of_lesson_01_run_as_released_names_an_exercise():
    """Lesson 01 as the learner gets it, every exercise a stub, run top to bottom in a kernel:
    each cell that fails says which exercise to finish, also the two that only read a
    variable an unfinished exercise left undefined (`scores`, `W`)."""
    from nbclient import NotebookClient

    lesson = next(lesson for lesson in all_lessons() if lesson.name.startswith("01"))
    notebook = nbformat.read(lesson.path, as_version=4)
    NotebookClient(notebook, timeout=120, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(lesson.path.parent)}}).execute()
    errors = [(cell.source.splitlines()[0], output) for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    unnamed = [first for first, output in errors
               if "not written yet" not in ANSI.sub("", "\n".join(output.traceback))]
    assert unnamed == []
    assert {output.ename for _, output in errors} == {"CheckFailed", "NotImplementedError", "NameError"}


def test_a_check_of_an_exercise_that_calls_an_unfinished_one_names_that_one(shell, capsys):
    from helpers.checks import lesson01
    from solutions.lesson01 import dense

    shell.user_ns.update(check=lesson01, dense=dense)
    shell.run_cell("def relu(z):\n    raise NotImplementedError()\n"
                   "def forward(x, W1, b1, W2, b2):\n    return dense(relu(dense(x, W1, b1)), W2, b2)\n")
    text = shown(shell, capsys, "check.forward(forward)")
    assert "`forward` calls `relu`, which is not written yet: finish `relu` first" in text


# ---------------------------------------------------------------------------------------
# Feedback names the exercise


def test_feedback_names_each_exercise(lesson, tmp_path):
    """nbgrader's feedback page, with the course's configuration: every exercise by name in the
    score summary and in its headings, never nbgrader's "Test cell"."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "autograder")).load_config()
    config.CourseDirectory.root = str(tmp_path)
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    notebook = nbformat.read(lesson.path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["score"] = 0.0
    page, _ = exporter.from_notebook_node(notebook, resources={"nbgrader": {
        "notebook": lesson.name, "score": 0.0, "max_score": 1.0, "late_penalty": 0}})
    assert "Test cell" not in page and "Grade cell" not in page
    for name in lesson.exercises():
        assert f'<a href="#test_{name}">Exercise <code>{name}</code></a>' in page
        assert f"Exercise <code>{name}</code>: the checks" in page
        assert f"Exercise <code>{name}</code>: your answer" in page


def test_hidden_arguments_like_the_visible_calls_keep_shapes_kinds_and_signs():
    rng = np.random.default_rng(0)
    floats, ids = np.array([[1.0, -2.0], [0.0, 4.0]]), np.array([3, 1, 2])
    drawn_floats, drawn_ids, size, rate = like((floats, ids, 7, 0.5), rng)
    assert drawn_floats.shape == floats.shape and drawn_floats.dtype == floats.dtype
    assert (np.sign(drawn_floats) == np.sign(floats)).all() and not np.array_equal(drawn_floats, floats)
    assert sorted(drawn_ids) == sorted(ids) and size == 7 and 0.25 <= rate <= 1.0
    tensor = like(torch.tensor([1.0, 2.0], dtype=torch.float64), rng)
    assert tensor.dtype == torch.float64 and tensor.shape == (2,)


def test_hidden_arguments_are_drawn_from_what_the_visible_check_calls():
    def reference(x: np.ndarray, n: int) -> np.ndarray:
        if (x < 0).any():
            raise ValueError("x must not be negative")
        return np.repeat(x, n)

    def visible(fn):
        fn(np.array([1.0, 2.0]), 3)

    make_args = like_the_visible_calls(visible, reference)
    for seed in range(5):
        x, n = make_args(np.random.default_rng(seed))
        assert x.shape == (2,) and (x > 0).all() and n == 3
    with pytest.raises(ValueError, match="never calls it"):
        like_the_visible_calls(lambda fn: None, reference)
