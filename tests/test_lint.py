"""The code learners and maintainers read passes ruff (settings in pyproject.toml)."""

import subprocess
import sys

from autograder import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
