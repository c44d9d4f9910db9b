#!/usr/bin/env bash
# Install, initialise, load the demo institution and run casefiles on embedded defaults.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages fonts-dejavu-core libreoffice-writer-nogui fonts-liberation2 tesseract-ocr tesseract-ocr-rus poppler-utils \
  libengine-gost-openssl
ensure_venv base
export CASEFILES_DATA_DIR="${CASEFILES_DATA_DIR:-$ROOT/instance}"
# The demo institution's name, printed on inventories and destruction acts.
export CASEFILES_INSTITUTION_NAME="${CASEFILES_INSTITUTION_NAME:-БУ «Кедровогорский комплексный центр социального обслуживания населения»}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"

"$VENV/bin/casefiles" init
"$VENV/bin/casefiles" demo --skip-if-loaded

# Background jobs (PDF renditions) run beside the web server and stop with it. Its log is in the data folder,
# which holds nothing for the group or others (casefiles sets this umask for what it creates itself).
umask 077
"$VENV/bin/casefiles" worker >"$CASEFILES_DATA_DIR/worker.log" 2>&1 &
WORKER_PID=$!
trap 'kill $WORKER_PID 2>/dev/null' EXIT

cat <<MSG

  casefiles is running at http://$HOST:$PORT/
  demo login: sokolova (specialist), belova (archivist), orlova (head), or any login listed above;
  password: demo-2026   signing PIN («ПИН подписи»): 246810
  data: $CASEFILES_DATA_DIR   (stop with Ctrl+C; job log: worker.log there)

MSG
# The production server (gunicorn, CASEFILES_WEB_WORKERS processes); `casefiles run` is werkzeug's, for debugging.
"$VENV/bin/casefiles" serve --host "$HOST" --port "$PORT"
