"""The built-in forms shipped in this folder: <id>/manifest.json, <id>/template.docx, <id>/example.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from document_templates.manifest import Manifest

TEMPLATES_DIR = Path(__file__).parent


def builtin_ids() -> list[str]:
    return sorted(path.parent.name for path in TEMPLATES_DIR.glob("*/manifest.json"))


def load_manifest(template_id: str) -> Manifest:
    return Manifest.model_validate_json((TEMPLATES_DIR / template_id / "manifest.json").read_text(encoding="utf-8"))


def template_docx(template_id: str) -> bytes:
    return (TEMPLATES_DIR / template_id / "template.docx").read_bytes()


def example_values(template_id: str) -> dict[str, Any]:
    """A realistic filled example of every field: used by the demo and the tests."""
    data: dict[str, Any] = json.loads((TEMPLATES_DIR / template_id / "example.json").read_text(encoding="utf-8"))
    return data
