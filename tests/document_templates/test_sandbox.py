"""Templates are filled in within the sandbox's limits: an uploaded layout whose expressions the sandbox refuses,
or that would hang or flood the renderer, is refused by the check, naming the expression."""

from __future__ import annotations

import io
import re

import docx
import pytest

from document_templates import (
    TemplateFailed,
    TemplateMismatch,
    check_template,
    render_docx,
    validate_values,
)
from document_templates import sandbox as sandbox_module
from search_index import extract_text
from search_index.extract import DOCX
from tests.document_templates.test_engine import MANIFEST, VALUES

EXAMPLE = validate_values(MANIFEST, VALUES)
EVERY_FIELD = " ".join(f"{{{{ {spec.name} }}}}" for spec in MANIFEST.fields)


def layout(*paragraphs: str) -> bytes:
    """A hand-made layout: every field of the manifest, then the paragraphs."""
    document = docx.Document()
    for text in (EVERY_FIELD, *paragraphs):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("{{ address.__class__.__mro__ }}", "«__class__» запрещено"),
        ("{{ address.__class__ }}", "«__class__» запрещено"),  # the sandbox alone prints it as empty
        ("{{ range(100000000) }}", "range больше 10000"),
        ("{% for row in range(10000) %}{% for cell in range(10000) %}{% endfor %}{% endfor %}", "шагов"),
        ("{% for row in range(10000) %}{{ 'x' * 100000 }}{% endfor %}", "документ длиннее"),
        ("{{ 'x' * 1000000000 }}", "результат может превысить"),
        ("{{ 1000000000 * 'x' }}", "результат может превысить"),
        ("{{ 2 ** 100000 }}", "степень"),
        ("{{ '%1000000000d' % 1 }}", "ширина"),
        ("{{ '{:>1000000000}'.format(1) }}", "ширина"),
        ("{{ 'x'|center(1000000000) }}", "результат может превысить"),
        ("{{ ('x' * 1000000)|replace('', 'y' * 1000) }}", "результат может превысить"),
        ("{% set s = 'xxxxxxxxxx' %}" + "{% set s = s ~ s %}" * 30 + "{{ s|length }}", "значение длиннее"),
        ("{{ [1].append(2) }}", "«append» запрещено"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ members[0].full_name }}", "неизвестное имя"),  # fails only with an empty form: no rows
    ],
)
def test_refused_expressions_are_named(expression: str, reason: str) -> None:
    with pytest.raises(TemplateMismatch) as caught:
        check_template(MANIFEST, layout("Итого:", expression, "конец"), [EXAMPLE])
    message = str(caught.value)
    assert reason in message, message
    named = re.search(r"выражение «(.+?)» — ", message)
    assert named and named.group(1) in expression, message  # the failing tag itself


def test_the_time_limit_stops_a_slow_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_module, "MAX_SECONDS", 0.2)
    slow = "{% for row in range(10000) %}{{ ('x' * 100000)|list|sort|length }}{% endfor %}"
    with pytest.raises(TemplateMismatch) as caught:
        check_template(MANIFEST, layout(slow), [EXAMPLE])
    assert "длится дольше 0.2 с" in str(caught.value)


def test_a_good_layout_with_loops_filters_and_formats_passes_and_prints() -> None:
    good = layout(
        "{% for member in members %}{{ loop.index }}. {{ member.full_name|upper }}{% endfor %}",
        "{{ '%.1f'|format(2.25) }} {{ '{:,}'.format(2000000) }} {{ (number ~ '-бис')|length }} {{ 'ab' * 3 }}",
        "{% if debts %}долг{% else %}нет{% endif %} {{ range(3)|join(',') }}",
    )
    check_template(MANIFEST, good, [EXAMPLE])
    text = extract_text(io.BytesIO(render_docx(MANIFEST, good, EXAMPLE)), DOCX)
    assert "1. ЖУРАВЛЁВ ИЛЬЯ АНДРЕЕВИЧ" in text
    assert "2.2 2,000,000 6 ababab" in text
    assert "долг 0,1,2" in text


def test_filling_a_template_that_fails_says_why_without_the_values() -> None:
    stored = layout("{{ ('{' ~ representative ~ '}').format() }}")  # KeyError: 'Журавлёва Ольга Петровна'
    with pytest.raises(TemplateFailed) as caught:
        render_docx(MANIFEST, stored, EXAMPLE)
    assert caught.value.reason == "ошибка при заполнении (KeyError)"
    assert caught.value.expression == "{{ ('{' ~ representative ~ '}').format() }}"
    assert "Журавлёва" not in str(caught.value)
