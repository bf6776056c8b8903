#!/usr/bin/env bash
# The classroom's installs that pip cannot do (idempotent; run as root or with sudo for apt):
#   - Debian's chromium (/usr/bin/chromium), driven by Playwright in tests/test_browser.py;
#     `playwright install` is never run: it would download a browser build of its own.
#   - configurable-http-proxy (JupyterHub's proxy) from npm into classroom/node_modules,
#     at the versions pinned by classroom/package.json and package-lock.json.
# Python packages: classroom/requirements.txt (pulled in by the project's requirements.txt).
set -euo pipefail
cd "$(dirname "$0")"

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium fonts-liberation
fi
if ! command -v npm >/dev/null; then
    apt_install nodejs npm
fi
if [ ! -x node_modules/.bin/configurable-http-proxy ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/configurable-http-proxy --version >/dev/null
echo "classroom set-up: $(/usr/bin/chromium --version 2>/dev/null | head -1), configurable-http-proxy $(node_modules/.bin/configurable-http-proxy --version)"
