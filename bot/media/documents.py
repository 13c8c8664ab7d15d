"""Text and images out of documents: PDF, Word (DOCX), Excel (XLSX), CSV and plain text.

Each reader is a generator of `TextPart`s (labelled "page 3", "sheet
Patients", "table 1") and `ImageItem`s (pictures inside the document, and
scanned PDF pages) that the caller reads with OCR. Readers never trust the
file: Office files are checked as archives before they are opened, PDFs are
read by PDFium (the browser's own parser) page by page, and every loop draws
on the file's `Budget`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

from bot.media.archives import check_archive, open_archive
from bot.media.filetypes import IMAGE, sniff
from bot.media.limits import Budget, UnscreenableError
from bot.media.tables import table_parts
from bot.media.verdict import TextPart

if TYPE_CHECKING:  # the parsers load in worker processes only, when a file needs them
    import docx.document
    import pypdfium2 as pdfium

PART_CHARS = 3000  # text is screened in pieces about the size of a long message
_IMAGE_COVER = 0.3  # a page whose pictures cover this much of it is read by OCR too
_PDF_PASSWORD_ERROR = 4  # PDFium's FPDF_ERR_PASSWORD
_MAX_RENDER_PIXELS = 12_000_000
_OFFICE_MEDIA = ("word/media/", "xl/media/")


@dataclass(frozen=True)
class ImageItem:
    """A picture to read with OCR: encoded bytes, or a page already rendered."""

    label: str
    data: bytes | None = None
    image: Image.Image | None = None
    look_for_faces: bool = True


Item = TextPart | ImageItem


# --- plain text and CSV --------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without a BOM), UTF-16 with a BOM, or else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def text_parts(source: str, text: str, budget: Budget) -> Iterator[TextPart]:
    """Plain text in pieces of whole lines, each line labelled with its number."""
    budget.take_text(len(text))
    lines: list[str] = []
    labels: list[str] = []
    size = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for piece in _pieces(line):
            if lines and size + len(piece) > PART_CHARS:
                yield TextPart(source, "\n".join(lines), tuple(labels))
                lines, labels, size = [], [], 0
                budget.check_time()
            lines.append(piece)
            labels.append(f"line {number}")
            size += len(piece) + 1
    if any(line.strip() for line in lines):
        yield TextPart(source, "\n".join(lines), tuple(labels))


def _pieces(line: str) -> Iterator[str]:
    """A very long line split at spaces into pieces no longer than a part."""
    while len(line) > PART_CHARS:
        cut = line.rfind(" ", 0, PART_CHARS)
        cut = cut if cut > PART_CHARS // 2 else PART_CHARS
        yield line[:cut]
        line = line[cut:].lstrip()
    yield line


def csv_parts(source: str, data: bytes, budget: Budget) -> Iterator[TextPart]:
    text = decode_text(data)
    budget.take_text(len(text))
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        yield from table_parts(source, enumerate(reader, start=1), budget)
    except csv.Error as error:
        raise UnscreenableError(f"damaged CSV ({error})") from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


# --- PDF -----------------------------------------------------------------------------------------


def pdf_items(prefix: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """Each page's text layer; pages that are scans (or mostly pictures) rendered for OCR."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == _PDF_PASSWORD_ERROR:
            raise UnscreenableError("encrypted PDF (it needs a password to open)") from None
        raise UnscreenableError("damaged PDF (it cannot be opened)") from None
    try:
        yield from _pdf_pages(prefix, document, budget)
    finally:
        document.close()


def _pdf_pages(prefix: str, document: pdfium.PdfDocument, budget: Budget) -> Iterator[Item]:
    import pypdfium2 as pdfium

    limits = budget.limits
    pages = len(document)
    if pages > limits.max_pdf_pages:
        budget.skip(
            f"pages {limits.max_pdf_pages + 1}-{pages} (the limit is {limits.max_pdf_pages})"
        )
    for index in range(min(pages, limits.max_pdf_pages)):
        budget.check_time()
        label = f"{prefix}page {index + 1}"
        try:
            page = document[index]
            text = _page_text(page)
            scanned = _looks_scanned(page, text)
        except pdfium.PdfiumError:
            budget.skip(f"{label} (damaged)")
            continue
        try:
            yield from text_parts(label, text, budget)
            if scanned:
                yield from _rendered_page(label, page, budget)
        finally:
            page.close()
        budget.pages += 1


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_bounded()).replace("\r\n", "\n").replace("\r", "\n")
    finally:
        textpage.close()


def _looks_scanned(page: pdfium.PdfPage, text: str) -> bool:
    """A page with no text layer (a scan, or text drawn as shapes), or mostly pictures."""
    if not text.strip():
        return True
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    page_area = max(width * height, 1.0)
    covered = 0.0
    pictures = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)
    for picture in pictures:
        left, bottom, right, top = picture.get_pos()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
        if covered / page_area >= _IMAGE_COVER:
            return True
    return False


def _rendered_page(label: str, page: pdfium.PdfPage, budget: Budget) -> Iterator[ImageItem]:
    limits = budget.limits
    if budget.ocr_pages >= limits.max_ocr_pages:
        budget.skip(f"scanned pages after the first {limits.max_ocr_pages} (not read by OCR)")
        return
    budget.ocr_pages += 1
    width, height = page.get_size()
    scale = limits.pdf_render_dpi / 72
    pixels = width * height * scale * scale
    if pixels > _MAX_RENDER_PIXELS:
        scale *= (_MAX_RENDER_PIXELS / pixels) ** 0.5
    bitmap = page.render(scale=scale, may_draw_forms=True, grayscale=True)
    yield ImageItem(label=f"{label} (scanned)", image=bitmap.to_pil(), look_for_faces=False)


# --- Word ----------------------------------------------------------------------------------------


def docx_items(prefix: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """Paragraphs (body, text boxes, headers, footers), tables row by row, and pictures."""
    import docx

    archive = _office_archive(data, budget, "Word document")
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(_docx_paragraphs(document))
    except Exception as error:  # python-docx and lxml raise many kinds on a damaged file
        raise UnscreenableError(f"damaged Word document ({type(error).__name__})") from None
    text = "\n".join(paragraphs)
    if text.strip():
        for part in text_parts(f"{prefix}text", text, budget):
            yield TextPart(part.source, part.text, _as_paragraphs(part.line_labels))
    for number, table in enumerate(document.tables, start=1):
        budget.check_time()
        rows = (
            (index, [cell.text for cell in row.cells]) for index, row in enumerate(table.rows, 1)
        )
        yield from table_parts(f"{prefix}table {number}", rows, budget)
    yield from _office_media(prefix, archive, budget)


def _docx_paragraphs(document: docx.document.Document) -> Iterator[str]:
    body = document.element.body
    # Body paragraphs, then those in text boxes and shapes, which python-docx does not list.
    for paragraph in document.paragraphs:
        yield " ".join(paragraph.text.split())
    namespace = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    for paragraph in body.iterfind(".//w:txbxContent//w:p", namespace):
        yield " ".join("".join(node.text or "" for node in paragraph.iter(_w("t"))).split())
    for section in document.sections:
        for part in (section.header, section.footer):
            for paragraph in part.paragraphs:
                yield " ".join(paragraph.text.split())


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _as_paragraphs(labels: Iterable[str]) -> tuple[str, ...]:
    return tuple(label.replace("line", "paragraph", 1) for label in labels)


# --- Excel ---------------------------------------------------------------------------------------


def xlsx_items(prefix: str, data: bytes, budget: Budget) -> Iterator[Item]:
    """Every worksheet row by row (read-only, values not formulas), and pictures."""
    import openpyxl

    archive = _office_archive(data, budget, "spreadsheet")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise UnscreenableError(f"damaged spreadsheet ({type(error).__name__})") from None
    try:
        for sheet in workbook.worksheets:
            budget.check_time()
            sheet.reset_dimensions()  # a file's own dimensions can claim a million rows
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            yield from table_parts(f"{prefix}sheet {sheet.title}", rows, budget)
    finally:
        workbook.close()
    yield from _office_media(prefix, archive, budget)


# --- shared --------------------------------------------------------------------------------------


def _office_archive(data: bytes, budget: Budget, what: str) -> zipfile.ZipFile:
    """An Office file is a zip: checked for bombs before any parser sees it."""
    try:
        archive = open_archive(data)
    except UnscreenableError:
        raise UnscreenableError(f"damaged {what}") from None
    check_archive(archive.infolist(), budget, what=what)
    return archive


def _office_media(prefix: str, archive: zipfile.ZipFile, budget: Budget) -> Iterator[ImageItem]:
    for info in archive.infolist():
        if not info.filename.startswith(_OFFICE_MEDIA) or info.is_dir():
            continue
        label = f"{prefix}picture {info.filename.rsplit('/', 1)[-1]}"
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError):
            budget.skip(f"{label} (damaged)")
            continue
        if sniff(data, info.filename) == IMAGE:
            yield ImageItem(label=label, data=data)
