"""The template engine on a small manifest with every field type: validation, DOCX, safety, text, diff."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest

from document_templates import (
    FormInvalid,
    Manifest,
    TemplateMismatch,
    check_template,
    diff_values,
    form_text,
    render_docx,
    validate_values,
)
from document_templates.builder import build_template
from search_index import extract_text
from search_index.extract import DOCX

MANIFEST = Manifest.model_validate(
    {
        "id": "sample",
        "title": "Акт проверки",
        "document_type": "other",
        "header": ["Приложение 1"],
        "subtitle": "№ {number} от {act_date}",
        "sections": [
            {
                "items": [
                    {"name": "number", "label": "Номер", "type": "text", "required": True},
                    {"name": "act_date", "label": "Дата", "type": "date", "required": True},
                    {"text": "1. Общие сведения", "style": "heading"},
                    {"name": "representative", "label": "Ф.И.О. представителя семьи", "type": "person"},
                    {"name": "address", "label": "Адрес проживания", "type": "address"},
                    {"name": "housing", "label": "Жилищные условия", "type": "long_text"},
                    {"name": "children", "label": "Количество детей", "type": "number"},
                    {"name": "allowance", "label": "Сумма пособия", "type": "money"},
                    {"name": "family_type", "label": "Тип семьи", "type": "choice", "options": ["Полная", "Неполная"]},
                    {
                        "name": "risks",
                        "label": "Факторы риска",
                        "type": "multi_choice",
                        "options": ["алкоголь", "безработица"],
                    },
                    {"name": "debts", "label": "Задолженность по ЖКУ", "type": "yes_no"},
                    {
                        "name": "members",
                        "label": "Состав семьи",
                        "type": "table",
                        "columns": [
                            {"name": "full_name", "label": "Ф.И.О.", "type": "person", "required": True},
                            {"name": "born_on", "label": "Дата рождения", "type": "date"},
                        ],
                    },
                    {
                        "name": "incomes",
                        "label": "Доходы",
                        "type": "table",
                        "rows": ["Отец", "Мать"],
                        "columns": [{"name": "amount", "label": "Сумма", "type": "money"}],
                    },
                    {"name": "compiled_by", "label": "Акт составил", "type": "signature", "role": "составил"},
                ]
            },
            {
                "title": "2. Уровень благосостояния",
                "layout": "diagnostic",
                "column_label": "Уровень",
                "items": [
                    {
                        "name": "above_minimum",
                        "label": "Выше прожиточного",
                        "type": "diagnostic",
                        "options": ["да", "нет"],
                    }
                ],
            },
        ],
    }
)

VALUES: dict[str, Any] = {
    "number": "17",
    "act_date": "2026-03-04",
    "representative": "Журавлёва Ольга Петровна",
    "address": "г. Кедровогорск, ул. Кедровая, д. 14, кв. 37",
    "housing": "Двухкомнатная квартира.\nМесто для занятий есть.",
    "children": 3,
    "allowance": "12500.5",
    "family_type": "Неполная",
    "risks": ["безработица"],
    "debts": True,
    "members": [{"full_name": "Журавлёв Илья Андреевич", "born_on": "2015-06-01"}],
    "incomes": [{"amount": "30000"}, {"amount": 41000.25}],
    "compiled_by": "Соколова М. В.",
    "above_minimum": {"initial": "нет", "intermediate": "да"},
}


def _text(docx_bytes: bytes) -> str:
    return extract_text(io.BytesIO(docx_bytes), DOCX)


def test_values_are_normalised() -> None:
    values = validate_values(MANIFEST, VALUES)
    assert values["allowance"] == "12500.50"
    assert values["incomes"] == [{"amount": "30000.00"}, {"amount": "41000.25"}]
    assert values["above_minimum"] == {"initial": "нет", "intermediate": "да", "final": None}
    assert values["members"][0]["born_on"] == "2015-06-01"


def test_every_value_is_printed() -> None:
    text = _text(render_docx(MANIFEST, build_template(MANIFEST), validate_values(MANIFEST, VALUES)))
    for expected in (
        "Приложение 1",
        "Акт проверки",
        "№ 17 от 04.03.2026",
        "Журавлёва Ольга Петровна",
        "ул. Кедровая, д. 14, кв. 37",
        "Двухкомнатная квартира.",
        "Место для занятий есть.",
        "Количество детей: 3",
        "12\u00a0500,50 руб.",
        "Неполная",
        "безработица",
        "Задолженность по ЖКУ: да",
        "1 | Журавлёв Илья Андреевич | 01.06.2015",
        "Отец | 30\u00a0000,00 руб.",
        "Мать | 41\u00a0000,25 руб.",
        "Соколова М. В.",
        "Выше прожиточного | нет | да",
    ):
        assert expected in text, expected


def test_values_are_data_never_template_code() -> None:
    hostile = {**VALUES, "representative": "{{7*7}} {% for x in y %}", "address": "<w:t>&amp; \" '"}
    text = _text(render_docx(MANIFEST, build_template(MANIFEST), validate_values(MANIFEST, hostile)))
    assert "{{7*7}} {% for x in y %}" in text
    assert "<w:t>&amp; \" '" in text
    assert "49" not in text


def test_errors_name_every_bad_field() -> None:
    bad = {
        "act_date": "04.03.2026",
        "children": "много",
        "family_type": "Другая",
        "risks": ["войны"],
        "debts": "может быть",
        "members": [{"born_on": "вчера", "pet": "кот"}],
        "incomes": [{"amount": "1"}],
        "above_minimum": {"initial": "возможно"},
        "colour": "red",
    }
    with pytest.raises(FormInvalid) as caught:
        validate_values(MANIFEST, bad)
    fields = sorted(error.field for error in caught.value.errors)
    assert fields == sorted(
        [
            "colour",
            "number",
            "act_date",
            "children",
            "family_type",
            "risks",
            "debts",
            "members[1].pet",
            "members[1].full_name",
            "members[1].born_on",
            "incomes",
            "above_minimum",
        ]
    )
    labels = {error.field: error.label for error in caught.value.errors}
    assert labels["members[1].born_on"] == "Состав семьи: Дата рождения"


def test_a_megabyte_value_is_refused() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate_values(MANIFEST, {**VALUES, "housing": "x" * 1_000_000})
    [error] = caught.value.errors
    assert error.field == "housing"
    assert "слишком длинное" in error.message


def test_builtin_template_passes_the_check_and_others_fail() -> None:
    check_template(MANIFEST, build_template(MANIFEST))
    other = docx.Document()
    other.add_paragraph("{{ number }} {{ act_date }} {{ mystery }}")
    buffer = io.BytesIO()
    other.save(buffer)
    with pytest.raises(TemplateMismatch) as caught:
        check_template(MANIFEST, buffer.getvalue())
    assert caught.value.unknown == ["mystery"]
    assert "representative" in caught.value.missing
    with pytest.raises(TemplateMismatch):
        check_template(MANIFEST, b"not a docx")


def test_form_text_and_diff() -> None:
    before = validate_values(MANIFEST, VALUES)
    after = validate_values(
        MANIFEST, {**VALUES, "children": 4, "above_minimum": {"initial": "нет", "intermediate": "да", "final": "да"}}
    )
    text = form_text(MANIFEST, before)
    assert "Ф.И.О. представителя семьи: Журавлёва Ольга Петровна" in text
    changes = [(c.field, c.label, c.before, c.after) for c in diff_values(MANIFEST, before, after)]
    assert changes == [
        ("children", "Количество детей", "3", "4"),
        ("above_minimum.final", "Выше прожиточного — Заключительная диагностика", "", "да"),
    ]
