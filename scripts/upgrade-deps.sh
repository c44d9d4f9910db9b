#!/usr/bin/env bash
# Move the locks to the newest releases allowed by pyproject.toml, install them and run the whole test suite.
# Run it on purpose (monthly, or for a security release of a dependency), never as part of an ordinary change;
# commit the new requirements/*.txt only when the suite passes (README: "Upgrading dependencies").
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

before="$(mktemp)"
trap 'rm -f "$before"' EXIT
locked_versions() { cat requirements/*.txt | grep -E '^[A-Za-z0-9]' | sed 's/ *\\$//' | sort -u; }
locked_versions >"$before"
bash scripts/lock-deps.sh --upgrade
echo "== versions that moved"
diff "$before" <(locked_versions) | grep -E '^[<>]' || echo "none"
bash scripts/test.sh
