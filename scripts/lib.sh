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

# Create the virtualenv and install the project (editable) with the given extras.
ensure_venv() {
  local extras="${1:-}"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  local log="$VENV/pip-install.log"
  echo "installing Python packages into $VENV"
  if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
         "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "pip install failed (log above, also in $log)" >&2
    return 1
  fi
}
