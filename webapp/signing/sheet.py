"""The visible side of signatures: a signature sheet appended to the PDF copy of a signed version.

The sheet is made when the PDF is handed out, so «valid now» is true at that moment; the signed original and
the stored rendition are never altered."""

from __future__ import annotations

import datetime as dt
import io
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter

from webapp.auth.roles import ROLE_LABELS, Role
from webapp.documents.models import DocumentVersion
from webapp.printing.layout import Field, Form, Heading, Paragraph, Table
from webapp.printing.pdf import printable, to_pdf
from webapp.runtime import local_time
from webapp.signing.models import Signature
from webapp.signing.services import Verdict

# An office in the genitive, as «исполняющий обязанности …» needs it.
OFFICES: dict[str, str] = {Role.HEAD: "заведующего отделением"}
VERIFY_COMMAND = (
    "openssl cms -verify -binary -inform DER -in ПОДПИСЬ.p7s -content ФАЙЛ_ВЕРСИИ -CAfile ca.pem -purpose any"
)


def with_signature_sheet(
    pdf: BinaryIO, version: DocumentVersion, checked: list[tuple[Signature, Verdict]], now: dt.datetime
) -> BinaryIO:
    """The PDF copy followed by the signature sheet, as a new stream (the stored PDF is left as it is). The
    copy is made in memory (pypdf's writer holds it whole anyway), so a stream that cannot seek is read first."""
    with pdf:
        writer = PdfWriter(clone_from=PdfReader(pdf if pdf.seekable() else io.BytesIO(pdf.read())))
    for page in PdfReader(io.BytesIO(signature_sheet(version, checked, now))).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    return out


def signature_sheet(version: DocumentVersion, checked: list[tuple[Signature, Verdict]], now: dt.datetime) -> bytes:
    document = version.document
    blocks: list[Field | Heading | Paragraph | Table] = [
        Field("Документ", f"{document.type_label} № {document.id}, версия {version.number}"),
        Field("Дело", document.case.number),
        Field("SHA-256 подписанных байтов версии", version.sha256),
        Field("Проверено", _local(now)),
    ]
    if checked:
        blocks.append(Heading("Электронные подписи", level=2))
        blocks.append(
            Table(
                header=("Подписант", "Роль", "Подписано", "Сертификат (SHA-256)", "Действительна сейчас"),
                rows=tuple(_signature_row(signature, verdict) for signature, verdict in checked),
                widths=(5, 3, 3, 6, 4),
            )
        )
        blocks.append(
            Paragraph(
                "Подпись — отделённая CMS (PKCS#7) над точными байтами версии, сертификат выдан удостоверяющим "
                f"центром учреждения. Проверка стандартными средствами: {VERIFY_COMMAND}. Штамп времени (RFC 3161) "
                "в подписи доказывает момент подписания и после окончания срока действия сертификата; "
                "проверка: openssl ts -verify.",
                small=True,
            )
        )
    if version.paper_signatures:
        blocks.append(Heading("Подписано на бумаге (версия — скан подписанного оригинала)", level=2))
        blocks.append(
            Table(
                header=("Подписант", "Роль"),
                rows=tuple((paper.name, paper.role) for paper in version.paper_signatures),
                widths=(3, 2),
            )
        )
    blocks.append(
        Paragraph(
            "Лист подписей сформирован при выдаче PDF-копии и не является частью подписанного документа; "
            "подписанный оригинал не изменяется.",
            small=True,
        )
    )
    form = Form(
        title="Лист подписей",
        blocks=tuple(_printable_block(block) for block in blocks),
        author="casefiles",
        created=now.date(),
    )
    return to_pdf(form)


def _signature_row(signature: Signature, verdict: Verdict) -> tuple[str, ...]:
    fingerprint = signature.certificate.sha256
    grouped = " ".join(fingerprint[index : index + 8] for index in range(0, len(fingerprint), 8))
    status = "Да" if verdict.code == "valid" else f"{'Да' if verdict.valid else 'Нет'}: {verdict.reason}"
    signer = f"{signature.signer.full_name}, {signature.signer.role_label.lower()}"
    if signature.acting_for is not None:
        signer += f", {acting_as(signature.acting_for.role)} ({signature.acting_for.full_name})"
    when = _local(signature.signed_at)
    if signature.timestamped_at is not None:  # the trusted time (CAdES-T), not the server's clock
        when = f"{_local(signature.timestamped_at)}, штамп времени"
    return (signer, signature.role, when, grouped, status)


def acting_as(role: str) -> str:
    """How a deputy's signature names the office they held («и. о. заведующего отделением»)."""
    office = OFFICES.get(role)
    return f"и. о. {office}" if office else f"исполняющий обязанности ({ROLE_LABELS.get(role, role).lower()})"


def _local(moment: dt.datetime) -> str:
    return local_time(moment).strftime("%d.%m.%Y %H:%M:%S")  # the institution's time, as on the pages


def _printable_block(block: Field | Heading | Paragraph | Table) -> Field | Heading | Paragraph | Table:
    """Names typed by people may hold characters the embedded font subset lacks: show them as «?»."""
    if isinstance(block, Field):
        return Field(printable(block.label), printable(block.value))
    if isinstance(block, Table):
        return Table(
            header=block.header,
            rows=tuple(tuple(printable(cell) for cell in row) for row in block.rows),
            widths=block.widths,
        )
    return block
