# Shared by the project's scripts: system packages and the virtualenv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CASEFILES_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

# Install Debian packages that are missing (needs root or sudo; says what to do otherwise).
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing system packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "please install as root: apt-get install ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Create the virtualenv and install the locked tools (pip, setuptools, uv) into it.
ensure_tools() {
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  _pip_logged install -q --require-hashes -r "$ROOT/requirements/tools.txt"
}

# Install the project's locked dependencies (requirements/base.txt, or requirements/test.txt with "test"), then the
# project itself in editable mode without dependencies, and check that the lock satisfies pyproject.toml.
ensure_venv() {
  local lock="$ROOT/requirements/${1:-base}.txt"
  ensure_tools
  echo "installing Python packages into $VENV (locked in ${lock#"$ROOT"/})"
  _pip_logged install -q --require-hashes -r "$lock"
  _pip_logged install -q --no-deps --no-build-isolation -e "$ROOT"
  # pip check: a dependency added to pyproject.toml without re-locking (scripts/lock-deps.sh) fails here.
  _pip_logged check
}

_pip_logged() {
  local log="$VENV/pip-install.log"
  if ! "$VENV/bin/python" -m pip "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "pip $1 failed (log above, also in $log)" >&2
    return 1
  fi
}
