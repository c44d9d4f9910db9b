"""The streaming PDF assembler: page order, sheet numbers, inheritance, outline, broken parts, memory."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, IndirectObject, NullObject

from webapp.exports.pdfjoin import HEADER, Part, UnreadablePdf, join, page_count

MARGIN = 10 * 72 / 25.4


def fpdf_file(path: Path, texts: list[str], image: Path | None = None) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=14)
    for text in texts:
        pdf.add_page()
        pdf.cell(text=text)
        if image is not None:
            pdf.image(str(image), x=20, y=40, w=50)
    pdf.output(str(path))
    return path


def stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def raw_pdf(path: Path, objects: dict[int, bytes]) -> Path:
    """A hand-made PDF (object 1 is the catalog), for page trees pypdf's writer would not produce."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % size
    out += b"".join(
        b"%010d 00000 n\r\n" % offsets[num] if num in offsets else b"0000000000 00000 f\r\n" for num in range(1, size)
    )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    path.write_bytes(bytes(out))
    return path


def text_at(x: float, y: float, text: str, font: str = "/F1") -> bytes:
    return stream(f"BT {font} 12 Tf {x} {y} Td ({text}) Tj ET".encode())


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def joined(parts: list[Part], tmp_path: Path, name: str = "out.pdf", **options: object) -> tuple[Path, list[int]]:
    out = tmp_path / name
    with out.open("wb") as stream_out:
        counts = join(parts, stream_out, **options)  # type: ignore[arg-type]
    return out, counts


def strict_reader(path: Path, caplog: pytest.LogCaptureFixture) -> PdfReader:
    """Reads the output in strict mode, touching every object; pypdf must not complain."""
    with caplog.at_level(logging.WARNING):
        reader = PdfReader(path, strict=True)
        for num in range(1, int(reader.trailer["/Size"])):
            reader.get_object(num)
        for page in reader.pages:
            page.extract_text()
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    return reader


def objects_of_type(reader: PdfReader, kind: str, key: str = "/Type") -> list[DictionaryObject]:
    found = []
    for num in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(num)
        if isinstance(obj, DictionaryObject) and obj.get(key) == kind:
            found.append(obj)
    return found


def page_index(reader: PdfReader, ref: IndirectObject) -> int:
    return [page.indirect_reference.idnum for page in reader.pages].index(ref.idnum)  # type: ignore[union-attr]


def stamps(path: Path) -> list[tuple[str, float, float, float, float]]:
    """Per page: the rightmost number and its box (x_min, y_min, x_max, y_max) as poppler lays out the upright
    visible page (origin at its visual top-left corner)."""
    command = ["pdftotext", "-bbox", "-cropbox", str(path), "-"]
    html = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = []
    for page in html.split("<page ")[1:]:
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(\d+)<', page)
        x_min, y_min, x_max, y_max, word = max(words, key=lambda word: float(word[2]))
        result.append((word, float(x_min), float(y_min), float(x_max), float(y_max)))
    return result


def test_joins_parts_in_order_with_sheet_numbers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    parts = [Part(fpdf_file(tmp_path / f"p{i}.pdf", [f"Part {i} page {k}" for k in range(i + 1)])) for i in range(3)]
    out, counts = joined(parts, tmp_path, title="Case 7")
    assert counts == [1, 2, 3]
    assert out.read_bytes().startswith(HEADER)
    reader = strict_reader(out, caplog)
    assert len(reader.pages) == 6
    assert reader.metadata is not None and reader.metadata.title == "Case 7"
    assert reader.metadata.producer == "casefiles"
    expected = [(i, k) for i in range(3) for k in range(i + 1)]
    for sheet, (page, (i, k)) in enumerate(zip(reader.pages, expected, strict=True), start=1):
        text = page.extract_text()
        assert f"Part {i} page {k}" in text
        assert text.split()[-1] == str(sheet)
    assert "/Outlines" not in reader.trailer["/Root"]

    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+6$", info, re.M)
    pages = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert [line for line in pages.split("\f")[0].splitlines() if line.strip()][-1] == "1"
    assert [s[0] for s in stamps(out)] == ["1", "2", "3", "4", "5", "6"]


def test_writes_to_a_stream_that_cannot_seek(tmp_path: Path) -> None:
    class Sink(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    sink = Sink()
    join([Part(fpdf_file(tmp_path / "a.pdf", ["A", "B"]))], sink)  # type: ignore[arg-type]
    assert [page.extract_text().split()[-1] for page in PdfReader(io.BytesIO(bytes(sink.data))).pages] == ["1", "2"]


def test_qpdf_accepts_output(tmp_path: Path) -> None:
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is needed (scripts/test.sh installs it)"
    out, _ = joined([Part(fpdf_file(tmp_path / "a.pdf", ["A", "B"]), "A")], tmp_path)
    subprocess.run([qpdf, "--check", str(out)], check=True, capture_output=True)


def test_first_sheet_and_no_stamp(tmp_path: Path) -> None:
    source = fpdf_file(tmp_path / "a.pdf", ["Alpha", "Beta"])
    out, _ = joined([Part(source), Part(source)], tmp_path, first_sheet=41)
    assert [page.extract_text().split()[-1] for page in PdfReader(out).pages] == ["41", "42", "43", "44"]

    plain, counts = joined([Part(source), Part(source)], tmp_path, "plain.pdf", stamp=False)
    assert counts == [2, 2]
    assert [page.extract_text() for page in PdfReader(plain).pages] == ["Alpha", "Beta"] * 2
    assert b"CfSheetNo" not in plain.read_bytes()
    assert len(objects_of_type(PdfReader(plain), "/Font")) == 2  # the source's Helvetica, once per part


def test_outline_with_nesting_cyrillic_and_empty_part(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    one = fpdf_file(tmp_path / "one.pdf", ["One"])
    two = fpdf_file(tmp_path / "two.pdf", ["Two a", "Two b"])
    empty = raw_pdf(
        tmp_path / "empty.pdf",
        {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"},
    )
    parts = [
        Part(one, "Обложка"),
        Part(two, "1. Заявление «о выплате»"),
        Part(one, "Лист подписей", level=2),
        Part(empty, "Пустой"),  # no pages: no entry
        Part(two, "Опись", level=2),  # nests under the last entry that exists
        Part(one),  # no bookmark
        Part(two, "Лист-заверитель"),
    ]
    out, counts = joined(parts, tmp_path)
    assert counts == [1, 2, 1, 0, 2, 1, 2]
    reader = strict_reader(out, caplog)
    assert reader.page_mode == "/UseOutlines"
    outline = reader.outline
    titles = [item.title if not isinstance(item, list) else [i.title for i in item] for item in outline]
    assert titles == ["Обложка", "1. Заявление «о выплате»", ["Лист подписей", "Опись"], "Лист-заверитель"]
    assert [reader.get_destination_page_number(item) for item in outline if not isinstance(item, list)] == [0, 1, 7]
    assert [reader.get_destination_page_number(item) for item in outline[2]] == [3, 4]  # type: ignore[union-attr]

    root = reader.trailer["/Root"]["/Outlines"]
    assert root["/Count"] == 5
    first = root["/First"]
    assert "/Prev" not in first and first["/Next"]["/Prev"] == first and first["/Parent"] == root
    parent = first["/Next"]
    assert parent["/Count"] == 2 and parent["/First"]["/Parent"] == parent
    assert parent["/First"]["/Next"] == parent["/Last"] and parent["/Last"]["/Prev"] == parent["/First"]
    assert root["/Last"]["/Title"] == "Лист-заверитель" and "/Next" not in root["/Last"]
    assert b"/Title (\\376\\377" in out.read_bytes()  # UTF-16BE with BOM


def test_level_must_be_one_or_two(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="level"):
        Part(tmp_path / "a.pdf", "A", level=3)


def test_inherited_attributes_shared_resources_and_references(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tree = raw_pdf(
        tmp_path / "tree.pdf",
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /PageMode /UseThumbs >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 3 /Resources 10 0 R /MediaBox [100 200 500 800] /Rotate 90 >>",
            3: b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R 6 0 R] /Count 3 /CropBox [120 220 480 780] >>",
            4: b"<< /Type /Page /Parent 3 0 R /Contents 7 0 R /CfCatalog 1 0 R /CfTree [3 0 R] >>",
            5: b"<< /Type /Page /Parent 3 0 R /Contents [8 0 R] /Resources 10 0 R /Rotate 0 /Annots [11 0 R] >>",
            6: b"<< /Type /Page /Parent 3 0 R /Contents 9 0 R /MediaBox [0 0 600 900] >>",
            7: text_at(200, 400, "Alpha"),
            8: text_at(200, 400, "Beta"),
            9: text_at(200, 400, "Gamma"),
            10: b"<< /Font << /F1 12 0 R >> /ProcSet [/PDF /Text] >>",
            11: b"<< /Type /Annot /Subtype /Link /Rect [200 400 260 420] /P 5 0 R /Dest [4 0 R /Fit] /Border [0 0 0]>>",
            12: HELVETICA,
        },
    )
    out, counts = joined([Part(fpdf_file(tmp_path / "a.pdf", ["Cover"])), Part(tree, "Tree")], tmp_path)
    assert counts == [1, 3]
    reader = strict_reader(out, caplog)
    _, alpha, beta, gamma = reader.pages
    assert [p.extract_text().split() for p in (alpha, beta, gamma)] == [["Alpha", "2"], ["Beta", "3"], ["Gamma", "4"]]
    assert list(alpha.mediabox) == [100, 200, 500, 800] and list(alpha.cropbox) == [120, 220, 480, 780]
    assert (alpha.rotation, beta.rotation, gamma.rotation) == (90, 0, 90)
    assert list(gamma.mediabox) == [0, 0, 600, 900]
    assert all(page.raw_get("/Parent") == reader.trailer["/Root"].raw_get("/Pages") for page in reader.pages)

    # The link and its /P point at the new pages; the source catalog and page tree stay behind.
    annotation = beta["/Annots"][0].get_object()
    assert page_index(reader, annotation.raw_get("/P")) == 2
    assert page_index(reader, annotation["/Dest"][0]) == 1
    assert isinstance(alpha["/CfCatalog"], NullObject) and isinstance(alpha["/CfTree"][0], NullObject)
    assert len(objects_of_type(reader, "/Catalog")) == 1 and len(objects_of_type(reader, "/Pages")) == 1
    assert "/UseThumbs" not in str(reader.trailer["/Root"])

    # Shared resources: each stamped page has its own copy, the source font is written once.
    alpha_fonts, beta_fonts = alpha["/Resources"]["/Font"], beta["/Resources"]["/Font"]
    assert alpha_fonts.raw_get("/F1") == beta_fonts.raw_get("/F1")
    assert alpha["/Resources"]["/ProcSet"] == ["/PDF", "/Text"]
    assert alpha.raw_get("/Resources") is not beta.raw_get("/Resources")
    assert "/CfSheetNo" in alpha_fonts and "/CfSheetNo" in beta_fonts
    assert len(objects_of_type(reader, "/Font")) == 3  # Cover's Helvetica, F1, the stamp font


def test_stamp_sits_at_the_visual_top_right(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Boxes not starting at 0,0, all four rotations, and a crop box inside the media box.
    boxes = [(50, -100, 450, 500, 0), (50, -100, 450, 500, 90), (50, -100, 450, 500, 180), (50, -100, 450, 500, 270)]
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: HELVETICA}
    kids = []
    for i, (x0, y0, x1, y1, rotate) in enumerate([*boxes, (0, 0, 600, 800, 90)]):
        page, content = 10 + 2 * i, 11 + 2 * i
        crop = b" /CropBox [100 100 400 700]" if i == 4 else b""
        objects[page] = b"<< /Type /Page /Parent 2 0 R /MediaBox [%d %d %d %d] /Rotate %d /Contents %d 0 R%s >>" % (
            x0,
            y0,
            x1,
            y1,
            rotate,
            content,
            crop,
        )
        objects[content] = text_at(x0 + 100, y0 + 100, f"R{rotate}")
        kids.append(b"%d 0 R" % page)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d /Resources << /Font << /F1 3 0 R >> >> >>" % (
        b" ".join(kids),
        len(kids),
    )
    out, _ = joined([Part(raw_pdf(tmp_path / "rotated.pdf", objects))], tmp_path, first_sheet=98)
    strict_reader(out, caplog)
    found = stamps(out)
    assert [word for word, *_ in found] == ["98", "99", "100", "101", "102"]
    visible_widths = [400, 600, 400, 600, 600]  # the last one is cropped: 600 high in user space, turned
    for width, (word, x_min, y_min, x_max, y_max) in zip(visible_widths, found, strict=True):
        assert width - x_max == pytest.approx(MARGIN, abs=2)
        assert y_min == pytest.approx(MARGIN, abs=2)
        # Upright: as wide as the digits and as tall as the font, not the other way round.
        assert x_max - x_min == pytest.approx(len(word) * 0.556 * 11, abs=1) and y_max - y_min < 12


def test_shared_objects_are_written_once_and_streams_copied_as_they_are(tmp_path: Path) -> None:
    picture = tmp_path / "picture.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
    source = fpdf_file(tmp_path / "pictures.pdf", ["One", "Two", "Three"], image=picture)
    out, counts = joined([Part(source), Part(source)], tmp_path)
    assert counts == [3, 3]
    reader = PdfReader(out)
    images = objects_of_type(reader, "/Image", key="/Subtype")
    assert len(images) == 2  # once per part
    original = objects_of_type(PdfReader(source), "/Image", key="/Subtype")[0]
    assert images[0]._data == original._data and images[0]["/Filter"] == original["/Filter"]
    assert len(objects_of_type(reader, "/Font")) == 3
    assert [p.extract_text().split()[-1] for p in reader.pages] == ["1", "2", "3", "4", "5", "6"]


def test_encrypted_parts(tmp_path: Path) -> None:
    source = fpdf_file(tmp_path / "plain.pdf", ["Secret text"])
    locked, open_ = tmp_path / "locked.pdf", tmp_path / "owner-only.pdf"
    writer = PdfWriter(clone_from=source)
    writer.encrypt("secret")
    writer.write(locked)
    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    writer.write(open_)

    assert page_count(open_) == 1
    out, counts = joined([Part(open_), Part(source)], tmp_path)
    assert counts == [1, 1]
    assert [p.extract_text().split() for p in PdfReader(out).pages] == [["Secret", "text", str(n)] for n in (1, 2)]

    with pytest.raises(UnreadablePdf) as failure:
        page_count(locked)
    assert failure.value.path == locked and str(locked) in str(failure.value)
    buffer = io.BytesIO()
    with pytest.raises(UnreadablePdf) as failure:
        join([Part(source), Part(locked)], buffer)
    assert failure.value.path == locked
    assert buffer.getvalue().count(b"/Type /Page\n") == 1  # nothing of the locked part was written


@pytest.mark.parametrize("damage", ["random", "empty", "not a pdf", "truncated", "no xref", "garbage body", "missing"])
def test_unreadable_parts(tmp_path: Path, damage: str) -> None:
    good = fpdf_file(tmp_path / "good.pdf", ["Good", "Pages"]).read_bytes()
    bad = tmp_path / "bad.pdf"
    content = {
        "random": bytes(range(256)) * 40,
        "empty": b"",
        "not a pdf": b"Hello, world\n" * 100,
        "truncated": good[: len(good) // 3],
        "no xref": good[: good.rindex(b"xref")],
        "garbage body": good[:200] + b"\x00\xff" * 500 + good[1200:],
    }.get(damage)
    if content is not None:
        bad.write_bytes(content)
    # pypdf may still recover some damaged files; then they must join, otherwise fail as UnreadablePdf only.
    try:
        pages = page_count(bad)
    except UnreadablePdf as exc:
        assert exc.path == bad
        with pytest.raises(UnreadablePdf):
            join([Part(bad)], io.BytesIO())
        return
    assert damage not in ("random", "empty", "not a pdf", "missing")
    try:
        counts = join([Part(bad)], io.BytesIO())
    except UnreadablePdf as exc:
        assert exc.path == bad
    else:
        assert counts == [pages]


@pytest.mark.parametrize(
    "body",
    [
        b"<< /Font << /F1 5 0 R >> /XObject << /X [1 2 (abc",  # unterminated
        b"<< /Length 50000 >>\nstream\nabc",  # no endstream
        b"\x00\x01\x02 obj",
        b"<< /X " + b"[" * 350 + b"]" * 350 + b" >>",  # parsed by pypdf, too deep to copy
    ],
)
def test_part_broken_behind_its_pages(tmp_path: Path, body: bytes) -> None:
    """The part opens and counts its pages; the broken object is only met while copying."""
    part = raw_pdf(
        tmp_path / "broken.pdf",
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources 4 0 R /Contents 6 0 R >>",
            4: body,
            5: HELVETICA,
            6: text_at(10, 10, "Text"),
        },
    )
    assert page_count(part) == 1
    for stamp in (True, False):
        with pytest.raises(UnreadablePdf) as failure:
            join([Part(part)], io.BytesIO(), stamp=stamp)
        assert failure.value.path == part


def test_memory_does_not_grow_with_the_number_of_parts(tmp_path: Path) -> None:
    # Parts carrying an incompressible 270 kB image: a writer holding the output would need ~80 MB for 300 of them.
    noise = tmp_path / "noise.png"
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(noise)
    source = fpdf_file(tmp_path / "source.pdf", ["A page with a picture"], image=noise)
    size = source.stat().st_size
    assert size > 250_000

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            with (tmp_path / f"out{count}.pdf").open("wb") as out:
                join((Part(source, f"Part {n}", level=1 + n % 2) for n in range(count)), out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(3)  # warm up pypdf's lazy imports and caches
    small, large = peak(30), peak(300)
    assert large < 1.5 * small
    assert large < 4 * size  # about one part at a time
    assert (tmp_path / "out300.pdf").stat().st_size > 300 * 270_000
    assert len(PdfReader(tmp_path / "out300.pdf").pages) == 300
