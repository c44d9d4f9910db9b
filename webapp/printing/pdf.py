"""PDF rendering of a layout with fpdf2 and the DejaVu Sans TTF font: real, extractable Cyrillic text.

Lines are broken here, word by word, and tables are drawn cell by cell: fpdf2's own multi_cell/table layout is
correct but several times slower, and the demo renders dozens of PDFs at once."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, DocumentCompliance, XPos, YPos

from webapp.printing.layout import Alignment, Field, Form, Heading, Paragraph, Table, timestamp

FONT_ENV = "CASEFILES_PDF_FONT"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
)
# The glyphs the font is cut down to: Latin, Cyrillic, typographic punctuation, №.
UNICODE_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x400, 0x45F), (0x2010, 0x2026), (0x2116, 0x2116))
SUPPORTED = frozenset(chr(code) for start, end in UNICODE_RANGES for code in range(start, end + 1)) | {"\n"}

FAMILY = "DejaVu"
PDFA = DocumentCompliance.PDFA_2B  # archival PDF (docs/pdfa.md)
_ALIGN = {"left": Align.L, "center": Align.C, "right": Align.R}
_MM_PER_PT = 25.4 / 72
_PAD = 1.0


class FontNotFoundError(RuntimeError):
    """The Cyrillic TTF font needed for PDFs made here is missing."""


def find_font() -> Path:
    """Locate DejaVuSans.ttf (or the font named by CASEFILES_DEMO_FONT); a clear error if it is missing."""
    override = os.environ.get(FONT_ENV)
    candidates = (Path(override),) if override else FONT_CANDIDATES
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(path) for path in candidates)
    raise FontNotFoundError(
        f"Для PDF (демо-документы, листы подписей) нужен шрифт DejaVuSans.ttf с кириллицей; "
        f"не найден ни один из: {tried}. "
        f"Установите пакет fonts-dejavu-core или укажите путь к TTF-шрифту в переменной {FONT_ENV}."
    )


@functools.cache
def _fonts() -> tuple[str, str]:
    """Regular and bold fonts cut down to the supported glyphs, written once per process to a temporary folder:
    parsing the full DejaVu font for every PDF would take most of the build time."""
    regular = find_font()
    bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
    folder = Path(tempfile.mkdtemp(prefix="casefiles-fonts-"))
    atexit.register(shutil.rmtree, folder, True)
    return _cut(regular, folder / "regular.ttf"), _cut(bold if bold.is_file() else regular, folder / "bold.ttf")


def _cut(source: Path, target: Path) -> str:
    font = TTFont(str(source), recalcTimestamp=False)  # keep the file's own timestamp: deterministic bytes
    options = Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True, name_IDs=["*"])
    options.drop_tables += ["FFTM"]
    subsetter = Subsetter(options)
    subsetter.populate(unicodes=[code for start, end in UNICODE_RANGES for code in range(start, end + 1)])
    subsetter.subset(font)
    font.save(str(target))
    return str(target)


def _texts(form: Form) -> Iterator[str]:
    yield form.title
    yield from form.stamp
    for block in form.blocks:
        if isinstance(block, Table):
            yield from (text for row in block.all_rows() for text in row)
        elif isinstance(block, Field):
            yield from (block.label, block.value)
        elif isinstance(block, Heading | Paragraph):
            yield block.text
        else:
            yield block.line()


def to_pdf(form: Form) -> bytes:
    unsupported = {char for text in _texts(form) for char in text} - SUPPORTED
    if unsupported:
        raise ValueError(f"{form.title}: characters outside the PDF font subset: {sorted(unsupported)}")
    pdf = start_pdf(form.title, form.author, form.created)
    for line in form.stamp:
        draw_text(pdf, line, "right", size=8.5)
    pdf.ln(2)
    draw_text(pdf, form.title, "center", bold=True, size=12.5)
    pdf.ln(2)
    for block in form.blocks:
        if isinstance(block, Heading):
            pdf.ln(1.5)
            draw_text(pdf, block.text, "center" if block.level <= 1 else "left", bold=True, size=10.5)
        elif isinstance(block, Paragraph):
            draw_text(pdf, block.text, block.align, bold=block.bold, size=8.5 if block.small else 10)
            pdf.ln(0.8)
        elif isinstance(block, Field):
            draw_field(pdf, block)
            pdf.ln(0.8)
        elif isinstance(block, Table):
            draw_table(pdf, block)
        else:
            pdf.ln(2)
            draw_text(pdf, block.line(), "left")
    return finish_pdf(pdf)


def start_pdf(title: str, author: str, created: dt.date, *, pdf_class: type[FPDF] = FPDF) -> FPDF:
    """An A4 PDF/A-2b document with the Cyrillic fonts loaded, fixed metadata and its first page added (`pdf_class`:
    an FPDF with its own header or footer). fpdf2 then writes the XMP metadata declaring PDF/A-2B and the sRGB
    OutputIntent it ships (sRGB2014.icc), and refuses what PDF/A forbids (unembedded fonts, encryption)."""
    regular, bold = _fonts()
    pdf = pdf_class(format="A4", enforce_compliance=PDFA)
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FAMILY, "", regular)
    pdf.add_font(FAMILY, "B", bold)
    pdf.set_creation_date(timestamp(created))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("casefiles")
    pdf.set_producer("casefiles")
    pdf.set_lang("ru")
    pdf.add_page()
    return pdf


_XMP_CREATED = re.compile(rb'xmp:CreateDate="([^"]+)"')
_XMP_CHANGED = re.compile(rb'(xmp:(?:ModifyDate|MetadataDate))="[^"]+"')
_FILE_ID = re.compile(rb"/ID \[<([0-9A-F]{32})><\1>\]")


def finish_pdf(pdf: FPDF) -> bytes:
    """The document's bytes, the same every time for the same content. fpdf2 dates the XMP metadata's ModifyDate
    and MetadataDate now, and its file identifier hashes them: the dates are set to the CreateDate (the date
    `start_pdf` was given) and the identifier to the MD5 of the file before it, values of the same length, so no
    offset in the file moves."""
    data = bytes(pdf.output())
    created = _XMP_CREATED.search(data)
    file_id = _FILE_ID.search(data)
    if created is None or file_id is None:
        return data
    stamp = created.group(1)
    fixed = _XMP_CHANGED.sub(lambda match: match.group(1) + b'="' + stamp + b'"', data)
    if len(fixed) != len(data):
        return data
    digest = hashlib.md5(fixed[: file_id.start()], usedforsecurity=False).hexdigest().upper().encode("ascii")
    return fixed[: file_id.start()] + b"/ID [<" + digest + b"><" + digest + b">]" + fixed[file_id.end() :]


def printable(text: str) -> str:
    """Text typed by people may hold characters the embedded font subset lacks: show them as «?»."""
    return "".join(char if char in SUPPORTED else "?" for char in text)


def _line_height(size: float) -> float:
    return size * _MM_PER_PT * 1.32


def _wrap(pdf: FPDF, text: str, width: float, first_width: float | None = None) -> list[str]:
    """Break text (current font) into lines no wider than `width`; the first line may be narrower."""
    space = pdf.get_string_width(" ")
    lines: list[str] = []
    for part in text.split("\n"):
        line, used = "", 0.0
        for word in part.split():
            limit = first_width if first_width is not None and not lines else width
            word_width = pdf.get_string_width(word)
            if not line and word_width > limit and limit < width:  # too long beside the label: start below it
                lines.append("")
                limit = width
            while word_width > width:  # a word longer than a whole line: cut it
                cut = len(word) - 1
                while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                    cut -= 1
                if line:
                    lines.append(line)
                lines.append(word[:cut])
                line, used, word = "", 0.0, word[cut:]
                word_width = pdf.get_string_width(word)
            if line and used + space + word_width > limit:
                lines.append(line)
                line, used = "", 0.0
            line, used = (f"{line} {word}", used + space + word_width) if line else (word, word_width)
        lines.append(line)
    return lines


def draw_text(pdf: FPDF, text: str, align: Alignment, *, bold: bool = False, size: float = 10) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    for line in _wrap(pdf, text, pdf.epw):
        pdf.cell(pdf.epw, _line_height(size), line, align=_ALIGN[align], new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_field(pdf: FPDF, block: Field, size: float = 10) -> None:
    """The bold label and its value on the same line when the label is short enough."""
    height = _line_height(size)
    pdf.set_font(FAMILY, "B", size)
    label = block.label + ": "
    label_width = pdf.get_string_width(label)
    if label_width > pdf.epw * 0.6:
        draw_text(pdf, label.strip(), "left", bold=True, size=size)
        draw_text(pdf, block.value, "left", size=size)
        return
    pdf.cell(label_width, height, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font(FAMILY, "", size)
    lines = _wrap(pdf, block.value, pdf.epw, first_width=pdf.epw - label_width)
    pdf.cell(pdf.epw - label_width, height, lines[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in lines[1:]:
        pdf.cell(pdf.epw, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_table(pdf: FPDF, block: Table, size: float = 8.5) -> None:
    rows = block.all_rows()
    weights = block.column_weights()
    widths = [pdf.epw * weight / sum(weights) for weight in weights]
    height = _line_height(size)
    pdf.ln(1)
    header: tuple[str, ...] | None = rows[0] if block.header_row else None
    for index, values in enumerate(rows):
        is_header = header is not None and index == 0
        pdf.set_font(FAMILY, "B" if is_header else "", size)
        cells = [_wrap(pdf, text, width - 2 * _PAD) for text, width in zip(values, widths, strict=True)]
        row_height = max(len(lines) for lines in cells) * height + 2 * _PAD
        if pdf.get_y() + row_height > pdf.page_break_trigger:
            pdf.add_page()
            if header is not None and not is_header:  # repeat the header on the new page
                pdf.set_font(FAMILY, "B", size)
                header_cells = [_wrap(pdf, text, width - 2 * _PAD) for text, width in zip(header, widths, strict=True)]
                _table_row(pdf, header_cells, widths, height, size, header=True)
        _table_row(pdf, cells, widths, height, size, header=is_header)
    pdf.ln(2)


def _table_row(
    pdf: FPDF, cells: list[list[str]], widths: list[float], height: float, size: float, *, header: bool
) -> None:
    pdf.set_font(FAMILY, "B" if header else "", size)
    row_height = max(len(lines) for lines in cells) * height + 2 * _PAD
    x, top = pdf.l_margin, pdf.get_y()
    pdf.set_fill_color(235)
    baseline = size * _MM_PER_PT * 0.95
    for lines, width in zip(cells, widths, strict=True):
        pdf.rect(x, top, width, row_height, style="DF" if header else "D")
        for number, line in enumerate(lines):
            if line:
                pdf.text(x + _PAD, top + _PAD + number * height + baseline, line)
        x += width
    pdf.set_xy(pdf.l_margin, top + row_height)
