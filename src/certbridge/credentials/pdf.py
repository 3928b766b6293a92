"""The printable certificate: A4, the 2022 printed fields, a photo box and a QR code."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from certbridge.credentials.fields import PrintedFields

FONT = "STSong-Light"  # a built-in CID font: Chinese without shipping font files


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_pdf(fields: PrintedFields, verify_url: str) -> bytes:
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{fields.scheme_name} {fields.certificate_number}")
    width, height = A4
    canvas.setLineWidth(1.5)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setFont(FONT, 24)
    canvas.drawCentredString(width / 2, height - 40 * mm, fields.scheme_name)
    _photo_box(canvas, width - 57 * mm, height - 100 * mm)
    _rows(canvas, fields, 25 * mm, height - 62 * mm)
    _qr(canvas, verify_url, width - 62 * mm, 28 * mm, 40 * mm)
    canvas.setFont(FONT, 9)
    canvas.drawString(25 * mm, 32 * mm, "扫描二维码或访问下列地址核验证书真伪与当前状态：")
    canvas.drawString(25 * mm, 26 * mm, verify_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _photo_box(canvas: Canvas, x: float, y: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.setDash(3, 2)
    canvas.rect(x, y, 33 * mm, 45 * mm)  # 2-inch photo
    canvas.setDash()
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(x + 16.5 * mm, y + 21 * mm, "照片")


def _rows(canvas: Canvas, fields: PrintedFields, x: float, y: float) -> None:
    for label, value in fields.as_rows():
        canvas.setFont(FONT, 11)
        canvas.drawString(x, y, f"{label}：")
        canvas.setFont(FONT, 12)
        # Long names wrap by characters: Chinese has no spaces to break at.
        for offset, start in enumerate(range(0, max(len(value), 1), 24)):
            canvas.drawString(x + 32 * mm, y - offset * 6 * mm, value[start : start + 24])
        y -= (max(len(value) - 1, 0) // 24 + 1) * 6 * mm + 4 * mm


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Drawn as vector squares from segno's matrix: sharp at any print size."""
    code = segno.make(url, error="m", micro=False)
    matrix = list(code.matrix_iter(scale=1, border=2))
    module = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                top = y + size - (row + 1) * module
                canvas.rect(x + col * module, top, module, module, stroke=0, fill=1)
