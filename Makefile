# The course from a fresh clone, in two commands; each sets up only what is missing.
#
#   make course   the environment (.venv, from requirements.txt), then JupyterLab on lessons/,
#                 as a learner sees it (classroom/jupyter/learner: no instructor tools)
#   make test     the environment, the sandbox (bubblewrap), PostgreSQL's binaries (the tests
#                 start their own throwaway server) and the classroom's Chromium and
#                 JupyterHub proxy (classroom/setup.sh), then every test
#
# Options: make course LAB_ARGS="--port 8899"   make test PYTEST_ARGS="--lessons=01 -x"

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
#: Written after a complete install; pip runs again only when a requirements file changes.
INSTALLED := $(VENV)/.installed
LEARNER_CONFIG := $(CURDIR)/classroom/jupyter/learner
#: JupyterLab refuses to run as root without --allow-root (CI and containers run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_ARGS ?=
PYTEST_ARGS ?=

.PHONY: course test install sandbox postgresql classroom

course: $(INSTALLED)
	JUPYTER_CONFIG_PATH="$(LEARNER_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(VENV)/bin/jupyter lab lessons/ $(ALLOW_ROOT) $(LAB_ARGS)

test: $(INSTALLED) sandbox postgresql classroom
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

install: $(INSTALLED)

$(INSTALLED): requirements.txt classroom/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -r requirements.txt
	touch $@

# The grader's sandbox: Debian's bubblewrap (root, or sudo, for apt).
sandbox:
	@command -v bwrap >/dev/null || { \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq bubblewrap; }

# PostgreSQL for the shared-gradebook tests: Debian's postgresql (root, or sudo, for apt). The
# tests (tests/postgres.py) start a throwaway server of their own on 127.0.0.1 with its binaries,
# in CI too (.ci/run calls make test); no system service is needed.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq postgresql; }

# The classroom tests' Chromium and JupyterHub proxy (idempotent).
classroom:
	@bash classroom/setup.sh
