"""A real JupyterHub for the classroom tests and the benchmark, on 127.0.0.1 only.

One instructor and any number of students, every one the same unix user with a home of
their own under a temporary folder (JupyterHub's SimpleLocalProcessSpawner), logged in by
the dummy authenticator. The nbgrader exchange is a world-writable folder beside the homes;
the instructor's course directory is `<instructor home>/course`.

    with Classroom(tmp, "teacher", ["ada", "bob"]) as room:
        room.start_servers()
        room.formgrader("release", "01_leaf_or_flower")       # the instructor's server
        room.assignments("ada", "fetch", "01_leaf_or_flower")  # ada's own server

The test talks to every server through the hub's proxy with a service token. Everything a
Classroom starts (the hub, its proxy, the single-user servers and their kernels) carries a
marker in its environment, by which `stop()` finds and ends whatever the hub left running.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CLASSROOM = ROOT / "classroom"
BIN = Path(sys.executable).parent
PROXY = CLASSROOM / "node_modules" / ".bin" / "configurable-http-proxy"
CHROMIUM = Path("/usr/bin/chromium")
COURSE_ID = "llm-course"
HOST = "127.0.0.1"
MARKER = "LLM_COURSE_CLASSROOM"

#: nbgrader's instructor tools, hidden from students (server side and JupyterLab side): the
#: formgrader, the list of the courses one grades, and the tool that makes assignments.
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list")
INSTRUCTOR_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                             "@jupyter/nbgrader:create-assignment")

#: Every student's nbgrader config (the hub sets JUPYTERHUB_USER for each server); a deployment
#: puts the same text in a low-priority shared place (/etc/jupyter/nbgrader_config.py), which
#: an instructor's ~/.jupyter/nbgrader_config.py overrides. (Here, in a virtual environment,
#: JUPYTER_CONFIG_PATH would take precedence over ~/.jupyter, so each student gets a copy.)
STUDENT_NBGRADER_CONFIG = """\
import os
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
# One unix user for everybody: nbgrader's student id is the hub's user name.
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
"""

#: The instructor's own config: the course's settings (autograder/nbgrader_config.py),
#: the course directory in the instructor's home, and every student's submissions.
INSTRUCTOR_NBGRADER_CONFIG = """\
c = get_config()  # noqa: F821
load_subconfig({course_config!r})  # noqa: F821
c.CourseDirectory.root = {course!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.student_id = "*"
c.Exchange.root = {exchange!r}
"""

#: JupyterLab settings for every user: start the kernel on opening (no "Select Kernel"
#: dialog), no news pop-up.
LAB_SETTINGS = {
    # Every cell stays in the page (no windowing), so a test can read all outputs.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True, "windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def missing_requirements() -> list[str]:
    """What classroom/setup.sh and classroom/requirements.txt install, if it is missing."""
    missing = [] if PROXY.exists() else [f"{PROXY} (run classroom/setup.sh)"]
    if not (BIN / "jupyterhub").exists():
        missing.append("jupyterhub (pip install -r classroom/requirements.txt)")
    return missing


class Classroom:
    """A running JupyterHub with an instructor and students; a context manager."""

    def __init__(self, root: Path, instructor: str, students: list[str], *, log_name: str = "hub.log"):
        self.root = Path(root)
        self.instructor = instructor
        self.students = list(students)
        self.token = secrets.token_hex(16)
        self.password = "classroom"
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.exchange = self.root / "exchange"
        self.homes = self.root / "homes"
        self.state = self.root / "hub"
        self.log_path = self.state / log_name
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {self.token}"
        #: Every process this classroom starts carries this in its environment, so `stop()`
        #: finds them all (the servers and kernels run in sessions of their own).
        self.marker = f"{MARKER}={secrets.token_hex(8)}"

    @property
    def users(self) -> list[str]:
        return [self.instructor, *self.students]

    def home(self, user: str) -> Path:
        return self.homes / user

    @property
    def course(self) -> Path:
        """The instructor's nbgrader course directory (inside the instructor's notebook root)."""
        return self.home(self.instructor) / "course"

    # -- set-up ---------------------------------------------------------------------------

    def _write_user_files(self) -> None:
        self.exchange.mkdir(parents=True, exist_ok=True)
        self.exchange.chmod(0o777)
        for user in self.users:
            config = self.home(user) / ".jupyter"
            for name, values in LAB_SETTINGS.items():
                path = config / "lab" / "user-settings" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(values))
            if user == self.instructor:
                self.course.mkdir(parents=True, exist_ok=True)
                (config / "nbgrader_config.py").write_text(INSTRUCTOR_NBGRADER_CONFIG.format(
                    course_config=str(ROOT / "autograder" / "nbgrader_config.py"),
                    course=str(self.course), course_id=COURSE_ID, exchange=str(self.exchange)))
            else:  # students: the shared config, and nbgrader's instructor tools switched off
                (config / "nbgrader_config.py").write_text(STUDENT_NBGRADER_CONFIG.format(
                    course_id=COURSE_ID, exchange=str(self.exchange)))
                off = dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False)
                (config / "jupyter_server_config.json").write_text(json.dumps(
                    {"ServerApp": {"jpserver_extensions": off}}))
                (config / "labconfig").mkdir(exist_ok=True)
                (config / "labconfig" / "page_config.json").write_text(json.dumps(
                    {"disabledExtensions": dict.fromkeys(INSTRUCTOR_LAB_EXTENSIONS, True)}))

    def _write_hub_config(self) -> Path:
        self.state.mkdir(parents=True, exist_ok=True)
        config = self.state / "jupyterhub_config.py"
        config.write_text(textwrap.dedent(f"""\
            c = get_config()  # noqa: F821
            c.JupyterHub.bind_url = {self.url!r}
            c.JupyterHub.hub_bind_url = "http://{HOST}:{free_port()}"
            c.ConfigurableHTTPProxy.api_url = "http://{HOST}:{free_port()}"
            c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
            c.ConfigurableHTTPProxy.should_start = True
            c.JupyterHub.db_url = "sqlite:///{self.state / 'jupyterhub.sqlite'}"
            c.JupyterHub.cookie_secret_file = {str(self.state / 'cookie_secret')!r}
            c.JupyterHub.pid_file = {str(self.state / 'jupyterhub.pid')!r}
            c.JupyterHub.cleanup_servers = True
            c.JupyterHub.authenticator_class = "dummy"
            c.DummyAuthenticator.password = {self.password!r}
            c.Authenticator.allowed_users = {set(self.students)!r}
            c.Authenticator.admin_users = {{{self.instructor!r}}}
            c.JupyterHub.spawner_class = "simple"
            c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes / "{username}")!r}
            c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
            c.Spawner.ip = {HOST!r}
            # CI and this machine run as root; the servers are still each user's own process.
            c.Spawner.args = ["--ServerApp.allow_root=True"]
            c.Spawner.default_url = "/lab"
            c.Spawner.start_timeout = 120
            c.Spawner.http_timeout = 120
            c.Spawner.environment = {{
                {MARKER!r}: {self.marker.split("=", 1)[1]!r},
                "PATH": {os.pathsep.join([str(BIN), "/usr/local/bin", "/usr/bin", "/bin"])!r},
            }}
            c.JupyterHub.services = [{{"name": "classroom-test", "api_token": {self.token!r}}}]
            c.JupyterHub.load_roles = [{{
                "name": "classroom-test",
                "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
                "services": ["classroom-test"],
            }}]
            """))
        return config

    def start(self) -> Classroom:
        """Start the hub (and with it the proxy); return once its API answers."""
        self._write_user_files()
        config = self._write_hub_config()
        env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
               MARKER: self.marker.split("=", 1)[1]}
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)], cwd=self.state, env=env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(lambda: self.http.get(f"{self.url}/hub/api/", timeout=5).ok, 60, "the hub")
        return self

    def _wait(self, ready, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited ({self.process.returncode}):\n{self.log()}")
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{what} not ready after {seconds} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()[-6000:] if self.log_path.exists() else ""

    def spawn(self, users: list[str] | None = None) -> None:
        """Ask the hub to start the single-user servers of `users` (default: everyone)."""
        for user in users or self.users:
            response = self.http.post(f"{self.url}/hub/api/users/{user}/server", timeout=30)
            assert response.status_code in (201, 202, 400), (user, response.status_code, response.text)

    def wait_for_servers(self, users: list[str] | None = None) -> None:
        """Wait until the servers of `users` (default: everyone) answer."""
        for user in users or self.users:
            self._wait(lambda user=user: self.get(user, "api/status").ok, 120, f"{user}'s server")

    def start_servers(self, users: list[str] | None = None) -> None:
        """Spawn the single-user servers of `users` (default: everyone) and wait for them."""
        self.spawn(users)
        self.wait_for_servers(users)

    # -- talking to single-user servers ---------------------------------------------------

    def get(self, user: str, path: str, **params) -> requests.Response:
        return self.http.get(f"{self.url}/user/{user}/{path}", params=params, timeout=120)

    def post(self, user: str, path: str, **data) -> requests.Response:
        response = self.http.post(f"{self.url}/user/{user}/{path}", data=data, timeout=300)
        response.raise_for_status()
        return response

    def formgrader(self, action: str, assignment: str) -> dict:
        """Call the instructor's formgrader API, e.g. `release` or `collect`; return its answer."""
        answer = self.post(self.instructor, f"formgrader/api/assignment/{assignment}/{action}").json()
        if not answer.get("success", False):
            raise RuntimeError(f"formgrader {action} failed: {answer}")
        return answer

    def assignments(self, student: str, action: str, assignment: str) -> dict:
        """A student's nbgrader assignment action: `fetch`, `submit` or `fetch_feedback`."""
        answer = self.post(student, f"assignments/{action}", course_id=COURSE_ID,
                           assignment_id=assignment).json()
        if answer.get("success") is False:
            raise RuntimeError(f"{student}: {action} failed: {answer}")
        return answer

    def read_notebook(self, user: str, path: str) -> dict:
        response = self.get(user, f"api/contents/{path}", content=1)
        response.raise_for_status()
        return response.json()["content"]

    def write_notebook(self, user: str, path: str, notebook: dict) -> None:
        response = self.http.put(f"{self.url}/user/{user}/api/contents/{path}", timeout=60,
                                 json={"type": "notebook", "format": "json", "content": notebook})
        response.raise_for_status()

    def listing(self, user: str, path: str) -> list[dict]:
        response = self.get(user, f"api/contents/{path}", content=1)
        response.raise_for_status()
        return response.json()["content"]

    # -- tear-down ------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the hub (it stops the servers it spawned), then end any process left that this
        classroom started (found by the marker in its environment)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = self.alive()
            for pid in left:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = self.alive()
            if not left:
                break
        self._log.close()
        self.process = None

    def alive(self) -> list[int]:
        """Process ids of everything this classroom started that is still running."""
        return [pid for pid in _pids() if self.marker.encode() in _environ(pid)]

    def __enter__(self) -> Classroom:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) != os.getpid()]


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""
