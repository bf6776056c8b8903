"""The deployment files (docs/deploy.md) hold together as far as this machine can tell.

No cluster and no Docker here: the helm values and the Dockerfile are parsed, every file
they name exists, the image installs the same requirements as a laptop and CI, the shared
nbgrader config does what the docs say, and the instructor tools switched off for students
are the ones the browser test shows are gone.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from classroom.hub import INSTRUCTOR_LAB_EXTENSIONS, INSTRUCTOR_SERVER_EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
CLASSROOM = ROOT / "classroom"
DOCKERFILE = CLASSROOM / "Dockerfile"
VALUES = CLASSROOM / "helm" / "values.yaml"
SHARED_CONFIG = CLASSROOM / "jupyter" / "nbgrader_config.py"
INSTRUCTOR_CONFIG = CLASSROOM / "jupyter" / "instructor_nbgrader_config.py"
DOCS = ROOT / "docs" / "deploy.md"
EXCHANGE = "/srv/nbgrader/exchange"


@pytest.fixture(scope="module")
def values() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(VALUES.read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def copies() -> dict[str, str]:
    """Dockerfile COPY: destination -> source (relative to the repository root)."""
    pairs = [shlex.split(args) for op, args in dockerfile_instructions() if op == "COPY"]
    return {dest: src for src, dest in pairs}


def requirement_files(path: Path) -> list[Path]:
    """A requirements file and every file it includes with -r, recursively."""
    found = [path]
    for line in path.read_text().splitlines():
        if line.strip().startswith(("-r ", "--requirement ")):
            found += requirement_files(path.parent / line.split(None, 1)[1].strip())
    return found


def run_config(path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Config:
    """Execute an nbgrader config file as nbgrader would; return the config it sets."""
    for name in ("JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "COURSE_ROLE", "NBGRADER_EXCHANGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    loaded = []
    exec(compile(path.read_text(), str(path), "exec"),
         {"get_config": lambda: config, "load_subconfig": loaded.append, "__file__": str(path)})
    config["_loaded"] = loaded
    return config


def test_every_file_the_dockerfile_copies_exists() -> None:
    assert copies(), "the Dockerfile copies the course's files"
    for source in copies().values():
        assert (ROOT / source).is_file(), source


def test_the_image_installs_the_same_requirements() -> None:
    """Every requirements file (requirements.txt and what it includes) lands in the image at
    the same relative place, and pip installs the top one."""
    by_source = {source: dest for dest, source in copies().items()}
    tops = [ROOT / "requirements.txt", CLASSROOM / "requirements.txt"]
    wanted = {str(p.resolve().relative_to(ROOT)) for top in tops for p in requirement_files(top)}
    base = Path(by_source["requirements.txt"]).parent
    for source in wanted:
        assert source in by_source, f"the image does not copy {source}"
        assert Path(by_source[source]) == base / source, "copied to the same relative place"
    installs = " ".join(args for op, args in dockerfile_instructions()
                        if op == "RUN" and "pip install" in args)
    for top in tops:
        assert f"-r {base / top.relative_to(ROOT)}" in installs, installs


def test_the_student_image_switches_off_exactly_the_instructor_tools() -> None:
    runs = " ".join(args for op, args in dockerfile_instructions() if op == "RUN")
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        assert f"server extension disable --sys-prefix {extension}" in runs
    disabled = re.search(r"labextension disable --level=sys_prefix\s+((?:@[\w/:-]+\s*)+)", runs)
    assert disabled and set(disabled.group(1).split()) == set(INSTRUCTOR_LAB_EXTENSIONS)
    # The names are real: the server extension imports, the plugins are in nbgrader's lab extension.
    import importlib

    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        importlib.import_module(extension)
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    if static.is_dir():
        bundle = "".join(p.read_text(errors="ignore") for p in static.glob("*.js"))
        for plugin in INSTRUCTOR_LAB_EXTENSIONS:
            assert plugin.split(":")[1] in bundle, plugin


def test_values_parse_and_set_what_the_docs_promise(values: dict) -> None:
    single = values["singleuser"]
    # per-user CPU and memory, guarantee below limit
    assert 0 < single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    assert single["memory"]["guarantee"] and single["memory"]["limit"]
    # the exchange on shared storage, mounted where the shared config and the image expect it
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"] == "nbgrader-exchange"
    assert mounts["nbgrader-exchange"] == EXCHANGE == single["extraEnv"]["NBGRADER_EXCHANGE"]
    assert f"NBGRADER_EXCHANGE={EXCHANGE}" in DOCKERFILE.read_text()
    # several courses: a student group and an instructor group for each
    groups = set(values["hub"]["loadGroups"])
    courses = {g.removeprefix("nbgrader-") for g in groups if g.startswith("nbgrader-")}
    assert len(courses) >= 2
    assert groups == {f"{kind}-{course}" for course in courses for kind in ("nbgrader", "formgrade")}
    assert "llm-course" in courses


def test_values_extra_config_is_python(values: dict) -> None:
    for name, source in values["hub"]["extraConfig"].items():
        compile(source, f"values.yaml:hub.extraConfig.{name}", "exec")


def test_student_config_takes_the_id_from_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    config = run_config(SHARED_CONFIG, {"JUPYTERHUB_USER": "ada"}, monkeypatch)
    assert config.CourseDirectory.student_id == "ada"
    assert config.Exchange.root == EXCHANGE
    assert config.Exchange.path_includes_course is True


def test_instructor_image_config_does_not_pin_a_student(monkeypatch: pytest.MonkeyPatch) -> None:
    config = run_config(SHARED_CONFIG, {"JUPYTERHUB_USER": "teacher", "COURSE_ROLE": "instructor"},
                        monkeypatch)
    assert "student_id" not in config.CourseDirectory


def test_instructor_config_loads_the_course_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    config = run_config(INSTRUCTOR_CONFIG, {}, monkeypatch)
    (loaded,) = config["_loaded"]
    assert loaded.endswith("llm-course/autograder/nbgrader_config.py")
    assert (ROOT / "autograder" / "nbgrader_config.py").is_file()
    assert config.CourseDirectory.student_id == "*"
    assert config.CourseDirectory.course_id == "llm-course"
    course_config = (ROOT / "autograder" / "nbgrader_config.py").read_text()
    assert 'c.CourseDirectory.course_id = "llm-course"' in course_config


def test_lab_overrides_start_the_kernel() -> None:
    overrides = json.loads((CLASSROOM / "jupyter" / "overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["autoStartDefaultKernel"] is True


def test_docs_name_files_that_exist() -> None:
    text = DOCS.read_text()
    named = set(re.findall(r"`((?:classroom|tests|benchmarks|autograder|docs)/[\w./-]+)`", text))
    named |= set(re.findall(r"-f (classroom/[\w./-]+)", text))
    named |= set(re.findall(r"--values (classroom/[\w./-]+)", text))
    assert len(named) >= 8, named
    for path in named:
        assert (ROOT / path).exists(), f"docs/deploy.md names {path}, which does not exist"
