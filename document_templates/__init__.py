"""Form templates: manifests (the source of truth), value checking, DOCX building and rendering. No Flask here."""

from document_templates.manifest import FieldSpec, Manifest, SectionSpec, StaticText
from document_templates.registry import builtin_ids, example_values, load_manifest, template_docx
from document_templates.render import (
    FieldChange,
    TemplateFailed,
    TemplateMismatch,
    check_template,
    diff_values,
    form_text,
    render_docx,
)
from document_templates.values import FieldError, FormInvalid, FormValues, validate_values

__all__ = [
    "FieldChange",
    "FieldError",
    "FieldSpec",
    "FormInvalid",
    "FormValues",
    "Manifest",
    "SectionSpec",
    "StaticText",
    "TemplateFailed",
    "TemplateMismatch",
    "builtin_ids",
    "check_template",
    "diff_values",
    "example_values",
    "form_text",
    "load_manifest",
    "render_docx",
    "template_docx",
    "validate_values",
]
