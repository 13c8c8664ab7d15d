"""Made-up photos and documents for the media tests and benchmark, drawn on the spot.

Every patient here is invented; the NHS numbers pass the checksum (as real
ones do) but belong to no one. Text is drawn with Pillow's own scalable font,
so no system font is needed.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont


@dataclass(frozen=True)
class Patient:
    bed: int
    name: str
    nhs_number: str  # as written: "943 476 5919"
    dob: str  # dd/mm/yyyy
    plan: str


PATIENTS = (
    Patient(4, "John Smith", "943 476 5919", "12/03/1941", "obs 4 hourly"),
    Patient(6, "Mary Jones", "401 023 2137", "02/11/1956", "CT head today"),
    Patient(9, "Ahmed Khan", "485 777 3456", "23/07/1968", "home with OT"),
)


def nhs_number(rng: random.Random) -> str:
    """A made-up number that passes the NHS number checksum, written 3-3-4."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            text = "".join(map(str, [*digits, check]))
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_lines(lines: Sequence[str], size: int = 22, width: int = 720) -> Image.Image:
    """Black text on white, one line per entry, like a typed sheet photographed flat."""
    face = font(size)
    step = size + 12
    image = Image.new("RGB", (width, step * len(lines) + 30), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((20, 15 + index * step), line, fill="black", font=face)
    return image


def handover_lines(patients: Sequence[Patient] = PATIENTS) -> list[str]:
    lines = ["WARD 7 HANDOVER - night shift"]
    for patient in patients:
        lines.append(f"Bed {patient.bed}: {patient.name}  NHS {patient.nhs_number}")
        lines.append(f"DOB {patient.dob}  plan: {patient.plan}")
    return lines


def handover_sheet(patients: Sequence[Patient] = PATIENTS, size: int = 22) -> Image.Image:
    return draw_lines(handover_lines(patients), size=size)


def rota_lines() -> list[str]:
    return [
        "WARD 7 ROTA - week 32",
        "Mon  early: Sam, Priya   late: Tom",
        "Tue  early: Priya, Dev   late: Sam",
        "Wed  early: Tom, Dev   late: Priya",
        "Training on Thursday at 2pm in the seminar room",
    ]


# --- distortions ---------------------------------------------------------------------------------


def rotated(degrees: float) -> Callable[[Image.Image], Image.Image]:
    def turn(image: Image.Image) -> Image.Image:
        return image.rotate(degrees, expand=True, fillcolor="white", resample=Image.BICUBIC)

    return turn


def blurred(radius: float = 1.2) -> Callable[[Image.Image], Image.Image]:
    def blur(image: Image.Image) -> Image.Image:
        return image.filter(ImageFilter.GaussianBlur(radius))

    return blur


def jpeg(quality: int = 30) -> Callable[[Image.Image], Image.Image]:
    def compress(image: Image.Image) -> Image.Image:
        return Image.open(io.BytesIO(encoded(image, "JPEG", quality=quality))).convert("RGB")

    return compress


def downscaled(factor: float = 0.6) -> Callable[[Image.Image], Image.Image]:
    def shrink(image: Image.Image) -> Image.Image:
        size = (round(image.width * factor), round(image.height * factor))
        return image.resize(size, Image.LANCZOS)

    return shrink


def combined(*steps: Callable[[Image.Image], Image.Image]) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        for step in steps:
            image = step(image)
        return image

    return apply


DISTORTIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "clean": combined(),
    "rotated +7°": rotated(7),
    "rotated -10°": rotated(-10),
    "blurred": blurred(1.2),
    "JPEG quality 30": jpeg(30),
    "downscaled 0.6": downscaled(0.6),
    "all of them": combined(rotated(5), blurred(0.8), downscaled(0.7), jpeg(30)),
}


def encoded(image: Image.Image, image_format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


# --- pictures without text -----------------------------------------------------------------------


def cake_photo(size: tuple[int, int] = (640, 480), seed: int = 3) -> Image.Image:
    """A birthday cake on a checked tablecloth: colour, texture, no words and no faces."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (235, 225, 210))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 32):
        for y in range(0, height, 32):
            if (x // 32 + y // 32) % 2 == 0:
                draw.rectangle([x, y, x + 31, y + 31], fill=(200, 60, 60))
    draw.ellipse([80, 300, 560, 440], fill=(250, 250, 250), outline=(180, 180, 180))
    draw.rectangle([150, 200, 490, 370], fill=(120, 70, 40))
    draw.rectangle([150, 260, 490, 280], fill=(250, 240, 220))
    draw.ellipse([150, 170, 490, 230], fill=(250, 230, 240))
    for index in range(6):
        x = 190 + index * 50
        draw.rectangle([x, 120, x + 8, 195], fill=(90, 160, 220))
        draw.ellipse([x - 4, 98, x + 12, 122], fill=(255, 200, 40))
    pixels = image.load()
    for _ in range(width * height // 20):
        x, y = rng.randrange(width), rng.randrange(height)
        r, g, b = pixels[x, y]
        shift = rng.randint(-25, 25)
        pixels[x, y] = (max(0, min(255, r + shift)), max(0, min(255, g + shift)), b)
    return image.filter(ImageFilter.GaussianBlur(0.8))


def face_photo(size: int = 360) -> Image.Image:
    """A drawn face, plain enough for a face detector to take it for a person."""
    image = Image.new("RGB", (size, size), (90, 110, 140))
    draw = ImageDraw.Draw(image)
    cx, cy, fw, fh = size / 2, size / 2, size * 0.32, size * 0.42
    draw.ellipse([cx - fw * 1.1, cy - fh * 1.15, cx + fw * 1.1, cy - fh * 0.2], fill=(60, 40, 30))
    draw.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=(224, 180, 150))
    for side in (-1, 1):
        ex, ey = cx + side * fw * 0.42, cy - fh * 0.18
        draw.ellipse([ex - fw * 0.22, ey - fh * 0.07, ex + fw * 0.22, ey + fh * 0.07], fill="white")
        draw.ellipse([ex - fw * 0.09, ey - fh * 0.07, ex + fw * 0.09, ey + fh * 0.07], fill="black")
        draw.rectangle(
            [ex - fw * 0.28, ey - fh * 0.2, ex + fw * 0.28, ey - fh * 0.14], fill="brown"
        )
    nose = [(cx, cy - fh * 0.1), (cx - fw * 0.12, cy + fh * 0.25), (cx + fw * 0.12, cy + fh * 0.25)]
    draw.polygon(nose, fill=(200, 150, 120))
    draw.ellipse(
        [cx - fw * 0.35, cy + fh * 0.45, cx + fw * 0.35, cy + fh * 0.58], fill=(150, 60, 60)
    )
    return image.filter(ImageFilter.GaussianBlur(size / 150))


# --- documents -----------------------------------------------------------------------------------


def patient_workbook(
    patients: Sequence[Patient] = PATIENTS, extra_rows: int = 0, title: str = "Ward 7 list"
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Patients"
    sheet.append([title])
    sheet.append(["Bed", "Patient name", "NHS number", "DOB", "Plan"])
    for patient in patients:
        number = int(patient.nhs_number.replace(" ", ""))  # typed in, Excel keeps a number
        sheet.append([patient.bed, patient.name, number, patient.dob, patient.plan])
    rng = random.Random(11)
    for index in range(extra_rows):
        sheet.append([index % 30, f"Patient {index}", nhs_number(rng), "01/01/1950", "obs"])
    notes = workbook.create_sheet("Notes")
    notes.append(["Updated by the night team"])
    return _saved(workbook)


def rota_workbook() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Rota"
    sheet.append(["Name", "Role", "Band", "Mon", "Tue", "Wed", "Thu", "Fri"])
    staff = [("Sam Taylor", "Staff nurse", 5), ("Priya Patel", "Sister", 6), ("Tom Reid", "HCA", 3)]
    for name, role, band in staff:
        sheet.append([name, role, band, "E", "L", "off", "N", "N"])
    sheet.append(["Ward phone", "", "", "ext 4471"])
    return _saved(workbook)


def _saved(workbook: object) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def patient_csv(patients: Sequence[Patient] = PATIENTS) -> bytes:
    rows = ["Bed,Patient,NHS No,D.O.B.,Plan"]
    rows += [f"{p.bed},{p.name},{p.nhs_number},{p.dob},{p.plan}" for p in patients]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def handover_docx(with_picture: Image.Image | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Ward 7 handover", level=1)
    document.add_paragraph("Quiet night. Two admissions from ED.")
    table = document.add_table(rows=1, cols=4)
    for cell, header in zip(table.rows[0].cells, ["Bed", "Name", "DOB", "Plan"], strict=True):
        cell.text = header
    for patient in PATIENTS:
        cells = table.add_row().cells
        for cell, value in zip(
            cells, [str(patient.bed), patient.name, patient.dob, patient.plan], strict=True
        ):
            cell.text = value
    if with_picture is not None:
        document.add_picture(io.BytesIO(encoded(with_picture)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf(images: Sequence[Image.Image]) -> bytes:
    """Pages that are only pictures, as a scanner makes them: no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    for image in images:
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted_pdf(lines: Sequence[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def marked_encrypted(archive: bytes) -> bytes:
    """A zip whose members say they are password-protected (zipfile cannot write real ones)."""
    data = bytearray(archive)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) >= 0:
            data[found + flag_offset] |= 0x1
            start = found + 4
    return bytes(data)
