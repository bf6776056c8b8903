"""The grader's calls to a learner's function in the kernel (execute.KernelFunction): each is a
trip to the kernel, and the cases a hidden test tries take one trip between them.

The kernel here is an IPython shell in this process: it runs what the grader sends as a
kernel would, and counts the trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbformat.notebooknode import NotebookNode
from traitlets.config import Config

from autograder.grading.execute import (
    CODEC_MODULE,
    CODEC_SOURCE,
    KERNEL_SETUP,
    KernelError,
    KernelFunction,
    error_output,
)
from autograder.hidden.common import agrees_with_reference, hidden_check

LEARNER = '''
def double(x):
    """Twice x; fails on negative numbers (a learner's bug)."""
    if np.any(x < 0):
        raise ValueError("negative")
    return 2 * x

def leave(code):
    """Ends the program (a learner's bug)."""
    raise SystemExit(code)

def scale_in_place(x):
    """Doubles the array it is given, in place, and returns None."""
    x *= 2
'''


class ShellKernel:
    """Stands in for the grader's client of a kernel (SandboxedExecute.run_in_kernel)."""

    def __init__(self) -> None:
        self.failing_trips = 0  # the next trips that fail as a dead kernel's would
        settings = Config()
        settings.HistoryManager.hist_file = ":memory:"
        self.shell = InteractiveShell.instance(config=settings)
        self.shell.run_cell(KERNEL_SETUP % {"module": CODEC_MODULE, "source": CODEC_SOURCE})
        self.shell.run_cell("import numpy as np\n" + LEARNER)
        self.trips = 0

    def run_in_kernel(self, source: str) -> list[NotebookNode]:
        self.trips += 1
        if self.failing_trips:
            self.failing_trips -= 1
            raise RuntimeError("the kernel died")
        with capture_output() as captured:
            result = self.shell.run_cell(source, store_history=False)
        outputs = [NotebookNode(output_type="display_data", data=out.data)
                   for out in captured.outputs]
        if result.error_in_exec is not None:
            err = result.error_in_exec
            outputs.append(error_output(type(err).__name__, str(err)))
        return outputs


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ShellKernel]:
    """A shell of its own, its IPython folder in tmp_path; gone afterwards (get_ipython() in
    this test process is None again)."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    yield ShellKernel()
    InteractiveShell.clear_instance()


def test_each_call_is_a_trip(kernel: ShellKernel) -> None:
    double = KernelFunction(kernel, "double")
    assert double(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert double(3) == 6
    assert kernel.trips == 2


def test_prefetched_calls_take_one_trip_and_come_back_in_order(kernel: ShellKernel) -> None:
    double = KernelFunction(kernel, "double")
    cases = [(np.array([1.0]),), (2,), (np.array([[3.0]]),)]
    double.prefetch(cases)
    results = [double(*args) for args in cases]
    assert kernel.trips == 1
    assert [np.asarray(r).tolist() for r in results] == [[2.0], 4, [[6.0]]]


def test_a_call_unlike_the_next_prefetched_one_goes_to_the_kernel(kernel: ShellKernel) -> None:
    double = KernelFunction(kernel, "double")
    double.prefetch([(1,), (2,)])
    assert double(5) == 10  # not the case prefetched next: a trip, and the prefetch is dropped
    assert double(2) == 4
    assert kernel.trips == 3


def test_prefetch_stops_at_an_error_which_its_call_then_raises(kernel: ShellKernel) -> None:
    double = KernelFunction(kernel, "double")
    double.prefetch([(1,), (np.array([-1.0]),), (3,)])
    assert double(1) == 2
    with pytest.raises(KernelError, match="ValueError: negative"):
        double(np.array([-1.0]))
    assert kernel.trips == 1
    assert double(3) == 6  # not made by the prefetch, which stopped at the error
    assert kernel.trips == 2


def test_an_exit_is_reported_as_the_kernel_reports_it(kernel: ShellKernel) -> None:
    leave = KernelFunction(kernel, "leave")
    leave.prefetch([(3,), (4,)])
    with pytest.raises(KernelError, match="^SystemExit: 3$"):
        leave(3)
    assert kernel.trips == 1


def test_a_failed_prefetch_leaves_each_call_to_its_own_trip(kernel: ShellKernel) -> None:
    double = KernelFunction(kernel, "double")
    kernel.failing_trips = 1
    double.prefetch([(1,), (2,)])
    assert [double(1), double(2)] == [2, 4]
    assert kernel.trips == 3


def test_a_prefetched_call_writes_back_what_it_changed(kernel: ShellKernel) -> None:
    scale = KernelFunction(kernel, "scale_in_place")
    x = np.array([1.0, 2.0])
    scale.prefetch([(x,)])
    assert scale(x) is None
    assert x.tolist() == [2.0, 4.0] and kernel.trips == 1


def test_a_hidden_test_tries_all_its_cases_in_one_trip(kernel: ShellKernel) -> None:
    def reference(x: np.ndarray) -> np.ndarray:
        return 2 * x

    def positive(rng: np.random.Generator) -> tuple:
        return (rng.uniform(0.1, 1.0, size=3),)

    agrees_with_reference(hidden_check("double", KernelFunction(kernel, "double")), reference,
                          positive, hint="twice x", trials=6)
    assert kernel.trips == 1


def test_a_hidden_test_reports_the_first_failing_case_as_before(kernel: ShellKernel) -> None:
    def reference(x: np.ndarray) -> np.ndarray:
        return 2 * x

    def mixed(rng: np.random.Generator) -> tuple:
        return (rng.uniform(-1.0, 1.0, size=3),)

    with pytest.raises(AssertionError, match="raised an error on hidden random case 1 of 4"):
        agrees_with_reference(hidden_check("double", KernelFunction(kernel, "double")),
                              reference, mixed, hint="twice x", trials=4)


def test_the_shell_is_gone_after_the_tests_that_used_it() -> None:
    """(It runs after them.) Later tests in this process see no IPython shell."""
    from IPython import get_ipython

    assert get_ipython() is None
