"""Reading a cards PDF back as a person would: its QR codes decoded, its text."""

import io

import pypdf
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp


def decode_qr(pdf: bytes, dpi: int = 200) -> list[str]:
    """Every QR code on every page, decoded from the rendered page."""
    found: list[str] = []
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=dpi / 72).to_pil()
        found.extend(r.text for r in zxingcpp.read_barcodes(image))
    return found


def pdf_text(pdf: bytes) -> str:
    """The text of every page, whitespace folded."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
