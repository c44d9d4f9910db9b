"""Streaming PDF assembler: concatenates PDF files from disk into one output PDF.

pypdf's `PdfWriter` keeps the whole document in memory until `write`; here every object goes to the output stream
as soon as it is copied, so memory holds only one part's reader plus O(pages) bookkeeping (object offsets, page
object numbers, bookmark entries).

For each part: open a `PdfReader` (an unreadable part raises `UnreadablePdf` before anything of it is written),
pre-assign new object numbers to all its pages, then write the pages in order. Each page is written with its
inherited attributes (pypdf's page-tree flattening copies `/Resources`, `/MediaBox`, `/CropBox`, `/Rotate` into the
page) and `/Parent` pointing at the new page tree root; the objects it references are walked by indirect reference
and written once per part (mapped by source object number), with stream data copied still encoded. The walk never
follows into the source catalog or page tree: a reference to a page of the part maps to its new number, a reference
to any other page tree node or to the catalog becomes `null`. Written objects are evicted from the reader's cache.

The page tree root, the outline and the catalog are written last under numbers reserved up front, followed by a
classic xref table and trailer.

If a part turns out to be broken only half-way, `UnreadablePdf` leaves the output incomplete: callers write to a
temporary file and check the parts with `page_count` first.

Not handled: named destinations (links by name dangle, as the source name tree is not copied), interactive forms
(widgets keep their appearance, the AcroForm is dropped), tagged structure, and content with unbalanced `q`/`Q`
(the stamp may then be misplaced).
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    RectangleObject,
    StreamObject,
    create_string_object,
)

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_PAGES, _CATALOG = 1, 2  # reserved object numbers, written last
_FONT_NAME = "/CfSheetNo"
_FONT_SIZE = 11
_MARGIN = 10 * 72 / 25.4  # 10 mm in points
_DIGIT_WIDTH, _CAP_HEIGHT = 0.556, 0.718  # Helvetica metrics, in em
_LETTER = (0, 0, 612, 792)  # for a page without a usable /MediaBox


@dataclass(frozen=True)
class Part:
    path: Path  # a PDF file on disk
    bookmark: str | None = None  # outline entry pointing at the part's first page; None: no entry
    level: int = 1  # 1: top-level outline entry; 2: nested under the previous level-1 entry

    def __post_init__(self) -> None:
        if self.level not in (1, 2):
            raise ValueError(f"outline level must be 1 or 2, not {self.level}")


class UnreadablePdf(Exception):
    """A part that pypdf cannot read (malformed, or encrypted with a password). `.path` names the part."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


@contextlib.contextmanager
def _open(path: Path) -> Iterator[tuple[PdfReader, list[PageObject]]]:
    """A reader of `path` with its pages listed; any failure to get that far is an `UnreadablePdf`."""
    with contextlib.ExitStack() as stack:
        try:
            reader = PdfReader(stack.enter_context(path.open("rb")), strict=False)
            # Objects refer back to their reader: empty it on the way out rather than leave the cycles to the collector.
            stack.callback(vars(reader).clear)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise UnreadablePdf(path, "encrypted with a password")
            pages = list(reader.pages)
        except (UnreadablePdf, MemoryError):
            raise
        except Exception as exc:  # pypdf raises many types on malformed input
            raise UnreadablePdf(path, f"{type(exc).__name__}: {exc}") from exc
        yield reader, pages


def page_count(path: Path) -> int:
    """Pages of a PDF on disk (raises UnreadablePdf)."""
    with _open(path) as (_, pages):
        return len(pages)


def _ref(num: int) -> IndirectObject:
    return IndirectObject(num, 0, None)  # writes "num 0 R"


class _Output:
    """The output stream with the byte offset of every object; numbers are reserved first, written in any order."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.pos = out, 0
        self.offsets = array("q", [0, 0])  # offsets[num - 1]; _PAGES and _CATALOG reserved

    def reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets)

    def put(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def obj(self, num: int, value: PdfObject, data: bytes | None = None) -> None:
        """Write object `num`; with `data`, `value` is the dictionary of a stream holding `data`."""
        self.offsets[num - 1] = self.pos
        buf = BytesIO()
        buf.write(b"%d 0 obj\n" % num)
        if data is not None and isinstance(value, DictionaryObject):
            value[NameObject("/Length")] = NumberObject(len(data))
            value.write_to_stream(buf)
            self.put(buf.getvalue() + b"\nstream\n")
            self.put(data)
            self.put(b"\nendstream\nendobj\n")
            return
        value.write_to_stream(buf)
        self.put(buf.getvalue() + b"\nendobj\n")

    def stream(self, num: int, data: bytes) -> None:
        self.obj(num, DictionaryObject(), data)


class _PartCopier:
    """Copies the pages of one part, writing every object they reference once."""

    def __init__(self, output: _Output, reader: PdfReader, path: Path) -> None:
        self.output, self.reader, self.path = output, reader, path
        self.numbers: dict[tuple[int, int], int] = {}  # (source number, generation) -> output number
        self.pending: list[tuple[int, IndirectObject]] = []

    def assign_pages(self, pages: list[PageObject]) -> list[int]:
        numbers = []
        for page in pages:
            numbers.append(self.output.reserve())
            ref = page.indirect_reference
            if ref is not None:
                self.numbers.setdefault((ref.idnum, ref.generation), numbers[-1])
        return numbers

    def resolve(self, obj: PdfObject) -> PdfObject | None:
        try:
            return obj.get_object()
        except MemoryError:
            raise
        except Exception as exc:
            raise UnreadablePdf(self.path, f"broken object ({type(exc).__name__}: {exc})") from exc

    def ref(self, ref: IndirectObject) -> PdfObject:
        key = (ref.idnum, ref.generation)
        if key not in self.numbers:
            target = self.resolve(ref)
            if target is None or isinstance(target, NullObject):
                return NullObject()
            # Unmapped pages, the page tree and the catalog stay behind: they would drag in the whole source.
            if isinstance(target, DictionaryObject) and target.get("/Type") in ("/Page", "/Pages", "/Catalog"):
                return NullObject()
            self.numbers[key] = self.output.reserve()
            self.pending.append((self.numbers[key], ref))
        return _ref(self.numbers[key])

    def copy(self, obj: PdfObject) -> PdfObject:
        """`obj` for the output: references renumbered, resolved indirect objects referenced rather than inlined."""
        if isinstance(obj, IndirectObject):
            return self.ref(obj)
        own = getattr(obj, "indirect_reference", None)
        if isinstance(own, IndirectObject) and own.pdf is self.reader:
            return self.ref(own)
        return self.copy_direct(obj)

    def copy_direct(self, obj: PdfObject) -> PdfObject:
        if isinstance(obj, DictionaryObject):  # a stream's dictionary too: `drain` writes its data and /Length
            stream = isinstance(obj, StreamObject)
            return DictionaryObject({k: self.copy(v) for k, v in obj.items() if not (stream and k == "/Length")})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(item) for item in obj)
        return obj

    def drain(self) -> None:
        """Write every referenced object not written yet (and whatever they reference in turn)."""
        while self.pending:
            num, ref = self.pending.pop()
            target = self.resolve(ref)
            assert target is not None  # checked by `ref`
            body = self.copy_direct(target)
            self.output.obj(num, body, target._data if isinstance(target, StreamObject) else None)  # still encoded
            self.reader.resolved_objects.pop((ref.generation, ref.idnum), None)

    def write_page(self, page: PageObject, num: int, sheet: int | None, font: int, prefix: int) -> None:
        try:
            page.mediabox = page.mediabox  # a direct rectangle, whether inherited, indirect or not
        except (ValueError, TypeError):
            page.mediabox = RectangleObject(_LETTER)
        new = DictionaryObject()
        for key, value in page.items():
            if key not in ("/Parent", "/Contents", "/Resources"):
                new[key] = self.copy(value)
        new[NameObject("/Type")] = NameObject("/Page")
        new[NameObject("/Parent")] = _ref(_PAGES)
        contents, resources = page.get("/Contents"), page.get("/Resources")
        if sheet is None:
            if contents is not None:
                new[NameObject("/Contents")] = self.copy(contents)
            if resources is not None:
                new[NameObject("/Resources")] = self.copy(resources)
            self.output.obj(num, new)
            self.drain()
            return
        # Resources may be shared by several pages: each stamped page gets its own shallow copy with the font added.
        source = self.resolve(resources) if resources is not None else None
        res, fonts = DictionaryObject(), DictionaryObject()
        if isinstance(source, DictionaryObject):
            for key, value in source.items():
                font_dict = self.resolve(value) if key == "/Font" else None
                if isinstance(font_dict, DictionaryObject):
                    fonts.update((name, self.copy(font_ref)) for name, font_ref in font_dict.items())
                elif key != "/Font":
                    res[key] = self.copy(value)
        name = _FONT_NAME
        while name in fonts:
            name += "X"
        fonts[NameObject(name)] = _ref(font)
        res[NameObject("/Font")] = fonts
        new[NameObject("/Resources")] = res
        source = self.resolve(contents) if contents is not None else None
        items = list(source) if isinstance(source, ArrayObject) else [contents] if contents is not None else []
        copied = [c for c in map(self.copy, items) if isinstance(c, IndirectObject)]
        stamp = self.output.reserve()
        new[NameObject("/Contents")] = ArrayObject([_ref(prefix), *copied, _ref(stamp)])
        self.output.obj(num, new)
        self.output.stream(stamp, _stamp_content(page, sheet, name))
        self.drain()


def _stamp_content(page: PageObject, sheet: int, font: str) -> bytes:
    """Closes the page's graphics state and draws `sheet` at the visual top-right corner of the visible box."""
    media = page.mediabox
    mx0, mx1 = sorted((float(media.left), float(media.right)))
    my0, my1 = sorted((float(media.bottom), float(media.top)))
    try:
        crop = page.cropbox
        cx0, cx1 = sorted((float(crop.left), float(crop.right)))
        cy0, cy1 = sorted((float(crop.bottom), float(crop.top)))
    except (ValueError, TypeError):
        cx0, cy0, cx1, cy1 = mx0, my0, mx1, my1
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x0 >= x1 or y0 >= y1:  # a crop box outside the media box: fall back to the media box
        x0, y0, x1, y1 = mx0, my0, mx1, my1
    try:
        rotate = (int(page.rotation) + 45) // 90 * 90 % 360
    except (ValueError, TypeError, AttributeError):
        rotate = 0
    text = str(sheet)
    # (u, v): the text origin in the upright visual frame, from its bottom-left corner.
    width, height = (y1 - y0, x1 - x0) if rotate in (90, 270) else (x1 - x0, y1 - y0)
    u = width - _MARGIN - len(text) * _DIGIT_WIDTH * _FONT_SIZE
    v = height - _MARGIN - _CAP_HEIGHT * _FONT_SIZE
    # Text matrix from the visual frame to user space (viewers turn the page clockwise by /Rotate).
    matrix = {
        0: (1, 0, 0, 1, x0 + u, y0 + v),
        90: (0, 1, -1, 0, x1 - v, y0 + u),
        180: (-1, 0, 0, -1, x1 - u, y1 - v),
        270: (0, -1, 1, 0, x0 + v, y1 - u),
    }[rotate]
    numbers = " ".join(f"{n:.2f}".rstrip("0").rstrip(".") for n in matrix)
    return f"\nQ\nq 0 g BT {font} {_FONT_SIZE} Tf {numbers} Tm ({text}) Tj ET Q\n".encode()


class _Outline:
    """Bookmark entries, kept compact until written at the end: a title and a few numbers each."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.pages = array("q")  # output page object numbers
        self.parents = array("q")  # index of the level-1 entry an entry is nested under; -1: top level
        self.last_top = -1

    def add(self, title: str, level: int, page: int) -> None:
        self.parents.append(self.last_top if level == 2 else -1)
        if level == 1 or self.last_top < 0:
            self.parents[-1], self.last_top = -1, len(self.titles)
        self.titles.append(title)
        self.pages.append(page)

    def write(self, output: _Output) -> int:
        """Write the outline; returns the number of its root, followed by the numbers of the entries."""
        root, count = output.reserve(), len(self.titles)
        for _ in range(count):
            output.reserve()
        prev, next_, first, last = (array("q", [-1]) * count for _ in range(4))
        kids = array("q", [0]) * count
        last_top = -1
        for i, parent in enumerate(self.parents):  # link each entry after the previous one of the same parent
            if parent < 0:
                prev[i], last_top = last_top, i
            else:
                prev[i], last[parent], kids[parent] = last[parent], i, kids[parent] + 1
                if first[parent] < 0:
                    first[parent] = i
            if prev[i] >= 0:
                next_[prev[i]] = i
        for i, title in enumerate(self.titles):
            entry = DictionaryObject()
            entry[NameObject("/Title")] = create_string_object(title)  # UTF-16BE with BOM when not PDFDocEncoding
            entry[NameObject("/Parent")] = _ref(root if self.parents[i] < 0 else root + 1 + self.parents[i])
            entry[NameObject("/Dest")] = ArrayObject([_ref(self.pages[i]), NameObject("/Fit")])
            for key, index in (("/Prev", prev[i]), ("/Next", next_[i]), ("/First", first[i]), ("/Last", last[i])):
                if index >= 0:
                    entry[NameObject(key)] = _ref(root + 1 + index)
            if kids[i]:  # open: children shown
                entry[NameObject("/Count")] = NumberObject(kids[i])
            output.obj(root + 1 + i, entry)
        outlines = DictionaryObject(
            {NameObject("/Type"): NameObject("/Outlines"), NameObject("/Count"): NumberObject(count)}
        )
        if count:
            outlines[NameObject("/First")], outlines[NameObject("/Last")] = _ref(root + 1), _ref(root + 1 + last_top)
        output.obj(root, outlines)
        return root


def join(
    parts: Iterable[Part], out: BinaryIO, *, first_sheet: int = 1, stamp: bool = True, title: str = ""
) -> list[int]:
    """Write all parts to `out` in order; returns the number of pages of each part. With `stamp`, every page
    carries its sheet number (first_sheet, first_sheet+1, ... across the whole output) as plain digits in the
    top-right corner (Russian archive practice), Helvetica ~11 pt, ~10 mm from the top and right edges of the
    visible page.

    Raises `UnreadablePdf` for a part that cannot be read, after the parts before it were written: write to a
    temporary file and discard it on error."""
    output = _Output(out)
    output.put(HEADER)
    font = prefix = 0
    if stamp:  # one font object and one "q" prefix stream for all pages
        font, prefix = output.reserve(), output.reserve()
        font_dict = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica", "/Encoding": "/WinAnsiEncoding"}
        output.obj(font, DictionaryObject({NameObject(k): NameObject(v) for k, v in font_dict.items()}))
        output.stream(prefix, b"q\n")
    kids = array("q")
    counts: list[int] = []
    outline = _Outline()
    for part in parts:
        with _open(part.path) as (reader, pages):
            copier = _PartCopier(output, reader, part.path)
            numbers = copier.assign_pages(pages)
            try:
                for page, num in zip(pages, numbers, strict=True):
                    copier.write_page(page, num, first_sheet + len(kids) if stamp else None, font, prefix)
                    kids.append(num)
            except RecursionError as exc:  # copying and serializing recurse into direct objects
                raise UnreadablePdf(part.path, "objects nested too deep") from exc
        counts.append(len(numbers))
        if part.bookmark is not None and numbers:
            outline.add(part.bookmark, part.level, numbers[0])

    catalog = DictionaryObject({NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): _ref(_PAGES)})
    if outline.titles:
        catalog[NameObject("/Outlines")] = _ref(outline.write(output))
        catalog[NameObject("/PageMode")] = NameObject("/UseOutlines")
    output.offsets[_PAGES - 1] = output.pos
    output.put(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [" % (_PAGES, len(kids)))
    for start in range(0, len(kids), 256):
        output.put(b"".join(b"\n%d 0 R" % num for num in kids[start : start + 256]))
    output.put(b" ] >>\nendobj\n")
    output.obj(_CATALOG, catalog)
    info = output.reserve()
    metadata = {"/Producer": "casefiles"} | ({"/Title": title} if title else {})
    output.obj(info, DictionaryObject({NameObject(k): create_string_object(v) for k, v in metadata.items()}))

    xref = output.pos
    size = len(output.offsets) + 1
    output.put(b"xref\n0 %d\n0000000000 65535 f\r\n" % size)
    for start in range(0, len(output.offsets), 256):
        output.put(b"".join(b"%010d 00000 n\r\n" % pos for pos in output.offsets[start : start + 256]))
    output.put(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, _CATALOG, info, xref)
    )
    return counts
