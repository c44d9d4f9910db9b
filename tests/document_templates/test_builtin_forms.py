"""Every built-in form: its manifest loads, its example fills every field, its .docx matches the manifest."""

from __future__ import annotations

import io
from typing import Any

import pytest

from document_templates import (
    builtin_ids,
    check_template,
    example_values,
    load_manifest,
    render_docx,
    template_docx,
    validate_values,
)
from document_templates.builder import build_template
from document_templates.manifest import Manifest
from document_templates.values import display_value
from search_index import extract_text
from search_index.extract import DOCX

EXPECTED_FORMS = {
    "inspection_act",
    "family_passport",
    "cooperation_agreement",
    "district_passport",
    "ippsu_conclusion",
    "statistical_report",
    "hearing_protocol",
    "protocol_extract",
}


def printed_values(manifest: Manifest, values: dict[str, Any]) -> list[str]:
    """Every value as it is printed: scalars, table cells, diagnostic stages."""
    printed: list[str] = []
    for spec in manifest.fields:
        shown = display_value(spec, values.get(spec.name))
        if isinstance(shown, list):
            printed += [str(cell) for row in shown for key, cell in row.items() if cell and key != "_label"]
        elif isinstance(shown, dict):
            printed += [str(stage) for stage in shown.values() if stage]
        elif shown:
            printed.append(str(shown))
    return printed


def test_all_eight_forms_are_shipped() -> None:
    assert set(builtin_ids()) == EXPECTED_FORMS


@pytest.mark.parametrize("form_id", sorted(EXPECTED_FORMS))
def test_example_fills_every_field(form_id: str) -> None:
    manifest = load_manifest(form_id)
    example = example_values(form_id)
    assert set(example) == {spec.name for spec in manifest.fields}
    values = validate_values(manifest, example)
    empty = [name for name, value in values.items() if value in (None, "", [], {})]
    assert empty == []


@pytest.mark.parametrize("form_id", sorted(EXPECTED_FORMS))
def test_shipped_docx_is_built_from_the_manifest(form_id: str) -> None:
    manifest = load_manifest(form_id)
    check_template(manifest, template_docx(form_id), [validate_values(manifest, example_values(form_id))])
    assert template_docx(form_id) == build_template(manifest), "run: python -m document_templates.builder"


@pytest.mark.parametrize("form_id", sorted(EXPECTED_FORMS))
def test_every_value_is_in_the_rendered_docx(form_id: str) -> None:
    manifest = load_manifest(form_id)
    values = validate_values(manifest, example_values(form_id))
    text = " ".join(extract_text(io.BytesIO(render_docx(manifest, template_docx(form_id), values)), DOCX).split())
    missing = [value for value in printed_values(manifest, values) if " ".join(value.split()) not in text]
    assert missing == []
