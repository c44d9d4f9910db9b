#!/usr/bin/env bash
# Compile the hashed locks in requirements/ from pyproject.toml (and requirements/tools.in).
#   scripts/lock-deps.sh            re-lock after editing the dependencies: versions already locked stay
#   scripts/lock-deps.sh --upgrade  move every package to its newest release that the ranges allow
# Commit the changed requirements/*.txt together with the pyproject.toml change that needed them.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

upgrade=()
case "${1:-}" in
  "") ;;
  --upgrade) upgrade=(--upgrade) ;;
  *) echo "usage: $0 [--upgrade]" >&2; exit 2 ;;
esac

ensure_tools
# --universal: one lock for every platform and Python the project supports (markers instead of one machine's
# answer); --generate-hashes: pip installs them with --require-hashes, so a changed file on the index is refused.
compile() {
  local out="$1"; shift
  "$VENV/bin/uv" pip compile --quiet --universal --generate-hashes --python-version 3.11 \
    --custom-compile-command "scripts/lock-deps.sh" "${upgrade[@]}" "$@" -o "$out"
}
compile requirements/tools.txt requirements/tools.in
compile requirements/test.txt pyproject.toml --extra test
# The base install takes the versions of the test install, so what runs in development and production was tested.
compile requirements/base.txt pyproject.toml -c requirements/test.txt
echo "locked: requirements/tools.txt, requirements/base.txt, requirements/test.txt"
