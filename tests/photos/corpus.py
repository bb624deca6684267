"""Test images made on the spot: phone-like photos with every kind of metadata,
and the hostile inputs of SECURITY.md T24–T27. Nothing is downloaded."""

import io
import struct
import zlib

from PIL import Image, ImageCms, PngImagePlugin

from ocop_tracker.photos import processing  # registers the HEIF opener

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>GPSLatitude 9.6</rdf:RDF></x:xmpmeta>'
SCRIPT = b"<script>alert(1)</script>"


def _picture(width: int, height: int, seed: int = 0) -> Image.Image:
    """A picture with structure: left half red, top band blue (to check orientation)."""
    im = Image.new("RGB", (width, height), ((seed * 37) % 256, 160, (seed * 91) % 256))
    im.paste((220, 30, 30), (0, 0, width // 2, height))
    im.paste((30, 30, 220), (0, 0, width, max(1, height // 8)))
    # A seed-dependent green stripe on the right half makes every seed distinct.
    x = width // 2 + (seed * 13) % max(1, width // 2 - 4)
    im.paste((0, 255, 0), (x, height // 2, min(width, x + 4), height))
    return im


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[GPS_IFD] = {1: "N", 2: (9.0, 36.0, 10.0), 3: "E", 4: (105.0, 58.0, 20.0)}
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_jpeg(
    width: int = 1600, height: int = 1200, orientation: int = 6, seed: int = 0
) -> bytes:
    """A JPEG like a phone's: EXIF orientation, make, model, GPS, XMP, ICC, a COM <script>."""
    out = io.BytesIO()
    _picture(width, height, seed).save(
        out,
        "JPEG",
        quality=90,
        exif=_exif(orientation),
        xmp=XMP,
        icc_profile=srgb_icc(),
        comment=SCRIPT,
    )
    return out.getvalue()


def png_with_text(width: int = 900, height: int = 900) -> bytes:
    """A PNG with tEXt/iTXt chunks, an eXIf chunk with GPS, and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    _picture(width, height).save(
        out, "PNG", pnginfo=info, exif=_exif(1), icc_profile=srgb_icc()
    )
    return out.getvalue()


def webp(width: int = 1000, height: int = 800) -> bytes:
    out = io.BytesIO()
    _picture(width, height).save(out, "WEBP", exif=_exif(1), xmp=XMP, quality=80)
    return out.getvalue()


def heic(width: int = 1200, height: int = 900) -> bytes:
    out = io.BytesIO()
    _picture(width, height).save(out, "HEIF", exif=_exif(1), xmp=XMP, quality=70)
    return out.getvalue()


def avif(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    _picture(width, height).save(out, "AVIF")
    return out.getvalue()


def rgba_png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (255, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A 1-bit PNG of side×side pixels, all zeros: a few KB on the wire."""
    raw_row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = (
        b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose SOF header is rewritten to claim width×height."""
    data = bytearray(plain_jpeg(16, 16))
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def plain_jpeg(width: int = 1200, height: int = 1000, seed: int = 0) -> bytes:
    out = io.BytesIO()
    _picture(width, height, seed).save(out, "JPEG", quality=85)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = plain_jpeg(800, 600)
    return data[: len(data) // 2]


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n(x) show\nshowpage\n"
TEXT = b"day la tep van ban, khong phai anh\n" * 10
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
PHP_GIF = b"GIF89a<?php system($_GET['c']); ?>"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
ZIP = b"PK\x03\x04" + b"\x00" * 26


def tiff() -> bytes:
    out = io.BytesIO()
    _picture(32, 32).save(out, "TIFF")
    return out.getvalue()


def ico() -> bytes:
    out = io.BytesIO()
    _picture(32, 32).save(out, "ICO")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    _picture(32, 32).save(out, "GIF")
    return out.getvalue()


__all__ = ["processing"]
