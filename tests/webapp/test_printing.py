"""The simple PDF renderer shared by the demo and signature sheets."""

from __future__ import annotations

import io

from pypdf import PdfReader

from webapp.printing.layout import Field, Form
from webapp.printing.pdf import to_pdf


def test_a_value_too_long_beside_its_label_starts_on_the_next_line() -> None:
    digest = "cd5150e15ef7e80f8ff67c424d54a90187dde5dec98b36792dbc693dc4583afd"
    form = Form(title="Лист", blocks=(Field("SHA-256 подписанных байтов версии", digest), Field("Дело", "04-05/2026")))
    text = PdfReader(io.BytesIO(to_pdf(form))).pages[0].extract_text()
    assert f"версии: \n{digest}" in text
    assert "Дело: 04-05/2026" in text  # short values stay beside their label
