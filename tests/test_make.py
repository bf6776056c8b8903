"""The two commands of the README's quick start, and the learner's JupyterLab `make course` opens.

`make course` opens JupyterLab on lessons/ with classroom/jupyter/learner first on
JUPYTER_CONFIG_PATH: nbgrader's formgrader and course list (server side) and its formgrader,
course-list and create-assignment plugins (JupyterLab side) are off, as they are for students
on a hub; a plain `jupyter lab` (the instructor's) keeps them. Both are started for real here, on
127.0.0.1, and asked what they serve.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from autograder.build import ROOT
from classroom.hub import INSTRUCTOR_LAB_EXTENSIONS, INSTRUCTOR_SERVER_EXTENSIONS, free_port

LEARNER = ROOT / "classroom" / "jupyter" / "learner"
#: What nbgrader's instructor server extensions serve: the formgrader, the list of courses.
INSTRUCTOR_PAGES = ("formgrader", "formgraders")
BIN = Path(sys.executable).parent


@contextmanager
def running_lab(command: list[str], port: int, token: str) -> Iterator[str]:
    """Start a JupyterLab command in a session of its own; yield its URL once it answers; stop it."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True, env={**os.environ, "JUPYTER_TOKEN": token})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            try:
                if requests.get(f"{url}/api/status", params={"token": token}, timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def page_config(url: str, token: str) -> dict:
    """The configuration JupyterLab's page hands its front end."""
    page = requests.get(f"{url}/lab", params={"token": token}, timeout=60).text
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.DOTALL)
    assert found, page[:500]
    return json.loads(found.group(1))


LAB_ARGS = "--no-browser --ServerApp.ip=127.0.0.1 --port={port}"


def test_make_course_opens_a_learners_jupyterlab() -> None:
    port, token = free_port(), secrets.token_hex(8)
    command = ["make", "--no-print-directory", "course", f"LAB_ARGS={LAB_ARGS.format(port=port)}"]
    with running_lab(command, port, token) as url:
        for page in INSTRUCTOR_PAGES:
            assert requests.get(f"{url}/{page}", params={"token": token}, timeout=30).status_code == 404
        disabled = page_config(url, token)["disabledExtensions"]
        assert set(INSTRUCTOR_LAB_EXTENSIONS) <= set(disabled)
        tracker = requests.get(f"{url}/lab/api/settings/@jupyterlab/notebook-extension:tracker",
                               params={"token": token}, timeout=30).json()  # defaults, with overrides
        assert tracker["schema"]["properties"]["autoStartDefaultKernel"]["default"] is True


def test_a_plain_jupyterlab_keeps_the_instructors_tools() -> None:
    port, token = free_port(), secrets.token_hex(8)
    command = [str(BIN / "jupyter"), "lab", *LAB_ARGS.format(port=port).split(), "--allow-root"]
    with running_lab(command, port, token) as url:
        for page in INSTRUCTOR_PAGES:
            assert requests.get(f"{url}/{page}", params={"token": token}, timeout=60).status_code != 404
        assert not set(INSTRUCTOR_LAB_EXTENSIONS) & set(page_config(url, token)["disabledExtensions"])


def test_the_learners_config_hides_what_the_hub_hides_from_students() -> None:
    server = json.loads((LEARNER / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False)
    page = json.loads((LEARNER / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == dict.fromkeys(INSTRUCTOR_LAB_EXTENSIONS, True)


def test_make_sets_up_nothing_when_nothing_is_missing() -> None:
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("this environment was not installed by make (run  make install  once)")
    planned = subprocess.run(["make", "--no-print-directory", "-n", "course", "test"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert "pip install" not in planned and "-m venv" not in planned, planned


def test_readme_quick_start_is_make_course_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme[readme.index("## Quick start"):]
    block = re.search(r"```bash\n(.*?)```", start, re.DOTALL).group(1)
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make course", "make test"]


def test_ci_runs_make_test_in_a_fresh_environment() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "rm -rf .venv" in ci and ci.rstrip().endswith("make test")
