#!/usr/bin/env bash
# Install everything the tests need (system packages included), then lint, type-check and run the test
# suite on SQLite and on a throwaway PostgreSQL cluster.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages fonts-dejavu-core postgresql libreoffice-writer-nogui fonts-liberation2 openssl \
  tesseract-ocr tesseract-ocr-rus poppler-utils swift-proxy swift-account swift-container swift-object
ensure_venv "test"
export PATH="$VENV/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy

echo "== pytest (SQLite)"
pytest -q -p no:cacheprovider

echo "== pytest (PostgreSQL)"
source "$ROOT/scripts/pg.sh"
start_throwaway_postgres
trap stop_throwaway_postgres EXIT
CASEFILES_TEST_DATABASE_URL="$PG_URL" pytest -q -p no:cacheprovider
