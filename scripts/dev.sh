#!/usr/bin/env bash
# Install, initialise, load the demo institution and run casefiles on embedded defaults.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages fonts-dejavu-core
ensure_venv ""
export CASEFILES_DATA_DIR="${CASEFILES_DATA_DIR:-$ROOT/instance}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"

"$VENV/bin/casefiles" init
"$VENV/bin/casefiles" demo --skip-if-loaded

cat <<MSG

  casefiles is running at http://$HOST:$PORT/
  demo login: sokolova (specialist), or any login listed above; password: demo-2026
  data: $CASEFILES_DATA_DIR   (stop with Ctrl+C)

MSG
exec "$VENV/bin/casefiles" run --host "$HOST" --port "$PORT"
