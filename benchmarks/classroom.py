"""Print how long the whole classroom flow takes through a real JupyterHub (target < 3 min).

    .venv/bin/python benchmarks/classroom.py [--runs N]

Hub start to the last student's feedback, step by step (classroom/flow.py, the same flow as
tests/test_classroom.py): hub and three single-user servers start, the instructor builds and
releases lesson 01, two students fetch, answer and submit, the instructor collects, grades and
releases feedback, the students fetch it, and everything stops. A benchmark, not a test: it
prints, it asserts nothing. Needs classroom/setup.sh and classroom/requirements.txt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lessons")]

from classroom import flow  # noqa: E402

TARGET_SECONDS = 180


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    totals = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
            result = flow.run(Path(tmp))
        print(f"run {run}/{args.runs}: scores {result.scores} (max {result.max_score})")
        for step, seconds in result.timings.items():
            print(f"  {step:<48} {seconds:7.1f} s")
        totals.append(result.timings["total"])
    verdict = "within" if max(totals) < TARGET_SECONDS else "OVER"
    print(f"classroom flow, hub start to last feedback: {min(totals):.0f}-{max(totals):.0f} s over "
          f"{len(totals)} run(s), {verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
