"""What the social passports of the two demo districts say: figures, institutions, partners (all invented).

The records are in data/districts.json; here they take the shapes the forms want."""

from __future__ import annotations

from demo.records import read, rows

_DISTRICTS = read("districts")

# label, January value, July value: rows of the district passport form after the head rows.
PASSPORT_ROWS = {code: rows(item["passport_rows"]) for code, item in _DISTRICTS.items()}
# name, address, phone, head, note
INFRASTRUCTURE = {code: rows(item["infrastructure"]) for code, item in _DISTRICTS.items()}
# who, name, address, phone, note
PARTNERS = {code: rows(item["partners"]) for code, item in _DISTRICTS.items()}
# the partners who changed by July, replacing the rows with the same first cell
JULY_CHANGES = {code: rows(item["july_changes"]) for code, item in _DISTRICTS.items()}
