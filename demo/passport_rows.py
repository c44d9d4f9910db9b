"""The rows of the social passport of a family (appendix 2 to the algorithm), as printed on the form.

The labels are in data/family_passport.json."""

from __future__ import annotations

from typing import Any

from demo.records import read

_PASSPORT = read("family_passport")
Section = tuple[str, str, tuple[str, ...]]  # the section's title, its first column's heading, its rows


def _section(item: dict[str, Any]) -> Section:
    return item["title"], item["column"], tuple(item["rows"])


STAGE_NAMES: tuple[str, ...] = tuple(_PASSPORT["stage_names"])
FAMILY_TYPES: tuple[str, ...] = tuple(_PASSPORT["family_types"])
DIAGNOSTIC_SECTIONS = tuple(_section(item) for item in _PASSPORT["diagnostic_sections"])
HELP_SECTION = _section(_PASSPORT["help_section"])
HOUSEHOLD_ITEMS = DIAGNOSTIC_SECTIONS[3][2]
HARDSHIPS: tuple[str, ...] = tuple(_PASSPORT["hardships"])
COUNCIL_DECISIONS: tuple[str, ...] = tuple(_PASSPORT["council_decisions"])
