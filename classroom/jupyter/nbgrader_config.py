"""nbgrader settings for everyone on a deployed hub: /etc/jupyter/nbgrader_config.py.

Installed by classroom/Dockerfile (Kubernetes) or copied by hand (The Littlest JupyterHub),
see docs/deploy.md. /etc/jupyter is the lowest-priority config folder, so an instructor's
~/.jupyter/nbgrader_config.py (course directory, grading settings) overrides it.
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

# The exchange: a folder every user's server mounts (shared storage), writable by all.
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
# Several courses on one hub: assignments are fetched into <course>/<assignment>/.
c.Exchange.path_includes_course = True

if os.environ.get("COURSE_ROLE", "student") == "student":
    # In a container every user is the same unix user (jovyan): the student id is the
    # hub's user name, so each student submits and fetches feedback as themselves.
    if "JUPYTERHUB_USER" in os.environ:
        c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]

# Who takes which course: JupyterHub groups `nbgrader-<course_id>` (students) and
# `formgrade-<course_id>` (instructors), declared in classroom/helm/values.yaml.
if os.environ.get("JUPYTERHUB_API_TOKEN"):
    from nbgrader.auth import JupyterHubAuthPlugin

    c.Authenticator.plugin_class = JupyterHubAuthPlugin
