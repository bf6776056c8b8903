"""The course in a classroom: a real JupyterHub on 127.0.0.1, one instructor, two students.

The instructor releases lesson 01 through nbgrader's exchange; one student answers it right
(the reference answers), the other makes one classic mistake (a mutant); both submit through
their own single-user servers; the instructor collects, grades and releases feedback; each
student fetches their own feedback. Needs what the project's set-up installs
(classroom/requirements.txt and classroom/setup.sh); marked `classroom`, so a maintainer can
skip it locally with `-m "not classroom"` (CI runs it).
"""

from __future__ import annotations

import pytest

from classroom import flow

pytestmark = [pytest.mark.classroom, pytest.mark.usefixtures("classroom_ready")]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> flow.FlowResult:
    result = flow.run(tmp_path_factory.mktemp("classroom"))
    print("classroom flow timings (s):", {k: round(v, 1) for k, v in result.timings.items()})
    return result


def test_both_students_see_the_released_lesson(classroom: flow.FlowResult) -> None:
    for student in (flow.RIGHT, flow.WRONG):
        assert classroom.listed[student] == [classroom.lesson.name]


def test_grades(classroom: flow.FlowResult) -> None:
    assert classroom.max_score > 0
    assert classroom.scores[flow.RIGHT] == classroom.max_score
    assert classroom.points_lost > 0
    assert classroom.cell_scores[flow.WRONG][f"test_{classroom.wrong.exercise}"] == 0
    assert classroom.scores[flow.WRONG] == classroom.max_score - classroom.points_lost


def test_each_student_sees_only_their_own_feedback(classroom: flow.FlowResult) -> None:
    assert len(classroom.exchange_feedback) == 2, "the exchange holds one feedback per student"
    right, wrong = (classroom.feedback[s] for s in (flow.RIGHT, flow.WRONG))
    assert len(right) == 1 and len(wrong) == 1, (list(right), list(wrong))
    right_html, wrong_html = next(iter(right.values())), next(iter(wrong.values()))
    assert right_html != wrong_html
    assert classroom.wrong.message in wrong_html
    assert classroom.wrong.message not in right_html
    assert f"Score: {classroom.max_score:.1f} / {classroom.max_score:.1f}" in right_html
    wrong_score = classroom.max_score - classroom.points_lost
    assert f"Score: {wrong_score:.1f} / {classroom.max_score:.1f}" in wrong_html


def test_everything_started_is_stopped(classroom: flow.FlowResult) -> None:
    assert classroom.alive_during >= 4, "hub, proxy and three servers were running"
    assert classroom.left_running == []
