"""Be Vietnam Pro, from the fontpkg-be-vietnam-pro package, registered for reportlab.

Helvetica cannot draw ư, ơ, đ or ạ; Be Vietnam Pro has every Vietnamese letter
(but no ★: stars are drawn as shapes). reportlab embeds only the glyphs used.
"""

from functools import cache
from pathlib import Path

import fontpkg_be_vietnam_pro
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-SemiBold"
_FILES = {REGULAR: "BeVietnamPro-Regular.ttf", BOLD: "BeVietnamPro-SemiBold.ttf"}


def font_path(name: str) -> Path:
    """The TTF file of one of our font names, inside the installed package."""
    path = Path(fontpkg_be_vietnam_pro.__file__).parent / "files" / _FILES[name]
    if not path.is_file():
        raise RuntimeError(
            f"font file missing: {path} (reinstall fontpkg-be-vietnam-pro)"
        )
    return path


@cache
def register() -> tuple[str, str]:
    """Register the regular and semi-bold faces once; returns their names."""
    for name in _FILES:
        pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    return REGULAR, BOLD
