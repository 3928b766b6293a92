"""The printable certificate: A4, the 2022 printed fields, a photo box and a QR code.

A printout can travel further than the verification page and outlive the day it was
made, so it shows no more of the holder than the page (masked name, masked ID number),
says when it was printed and that the QR code's answer is what counts, and a certificate
that does not count on the day of printing is stamped across the page with its status."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from datetime import datetime

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from certbridge.credentials.chinatime import china_minute
from certbridge.credentials.fields import PrintedFields
from certbridge.query.service import mask_name

FONT = "STSong-Light"  # a built-in CID font: Chinese without shipping font files
AUTHORITY_NOTE = "本打印件仅供参考，证书真伪与当前状态以扫描二维码核验的结果为准。"


@dataclass(frozen=True)
class PrintedStatus:
    """The certificate's standing on the day of printing (registry.lifecycle's label)."""

    label: str
    counts: bool
    printed_at: datetime


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_pdf(fields: PrintedFields, verify_url: str, status: PrintedStatus) -> bytes:
    """`fields.holder_name` is masked here, whoever calls: no printout shows the full name."""
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
    _rows(canvas, fields, status, 25 * mm, height - 62 * mm)
    _qr(canvas, verify_url, width - 62 * mm, 28 * mm, 40 * mm)
    canvas.setFont(FONT, 9)
    canvas.drawString(25 * mm, 50 * mm, f"打印时间：{china_minute(status.printed_at)}")
    canvas.drawString(25 * mm, 44 * mm, AUTHORITY_NOTE)
    canvas.drawString(25 * mm, 32 * mm, "扫描二维码或访问下列地址核验证书真伪与当前状态：")
    canvas.drawString(25 * mm, 26 * mm, verify_url)
    if not status.counts:
        _stamp(canvas, status.label, width, height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _stamp(canvas: Canvas, label: str, width: float, height: float) -> None:
    """The status in large red words across the page, over everything else."""
    canvas.saveState()
    canvas.setFillColorRGB(0.8, 0.1, 0.1, alpha=0.35)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    size = min(120.0, 0.8 * width / max(len(label), 1))
    canvas.setFont(FONT, size)
    canvas.drawCentredString(0, -size / 3, label)
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(0, -size / 3 - 30, "本证书打印时不在有效状态")
    canvas.restoreState()


def _photo_box(canvas: Canvas, x: float, y: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.setDash(3, 2)
    canvas.rect(x, y, 33 * mm, 45 * mm)  # 2-inch photo
    canvas.setDash()
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(x + 16.5 * mm, y + 21 * mm, "照片")


def _rows(canvas: Canvas, fields: PrintedFields, status: PrintedStatus, x: float, y: float) -> None:
    masked = dataclasses.replace(fields, holder_name=mask_name(fields.holder_name))
    rows = [*masked.as_rows(), ("证书状态", f"{status.label}（打印时）")]
    for label, value in rows:
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
