"""QR matrices: made once per product (fixed mask), packed 1 bit per module, and
turned into PDF path operators that draw merged rectangles.

A product's URL never changes while its public code and the base URL stay, so its
matrix is computed once and kept (``public.models.QrMatrix``); choosing the mask
is most of a QR code's cost, so the mask is fixed (every mask decodes; the choice
only tunes the penalty score). Error correction M survives a scratched or
partly covered sticker; the caller leaves a quiet zone of 4 modules.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

_RUN = re.compile("1+")
QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
FIXED_MASK = 0


@dataclass(frozen=True)
class Matrix:
    """A QR matrix: ``size`` × ``size`` modules, rows packed MSB first."""

    size: int
    bits: bytes

    @property
    def row_bytes(self) -> int:
        """Bytes per packed row."""
        return (self.size + 7) // 8

    def dark(self, row: int, col: int) -> bool:
        """True when the module at (row, col) is dark."""
        byte = self.bits[row * self.row_bytes + col // 8]
        return bool(byte >> (7 - col % 8) & 1)

    def row_text(self, row: int) -> str:
        """One row as "0"/"1" characters (1 = dark)."""
        width = self.row_bytes
        chunk = self.bits[row * width : (row + 1) * width]
        value = int.from_bytes(chunk, "big") >> (width * 8 - self.size)
        return format(value, f"0{self.size}b")

    def rows(self) -> list[list[bool]]:
        """The matrix as booleans, row by row from the top."""
        return [[c == "1" for c in self.row_text(r)] for r in range(self.size)]


def make_matrix(payload: str) -> Matrix:
    """The QR matrix of ``payload`` (byte mode, error correction M, fixed mask)."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, border=0, mask_pattern=FIXED_MASK
    )
    code.add_data(payload.encode("utf-8"), optimize=0)
    code.make(fit=True)
    modules = code.get_matrix()
    return Matrix(size=len(modules), bits=pack(modules))


def pack(modules: list[list[bool]]) -> bytes:
    """Rows of booleans packed 1 bit per module, each row padded to a byte."""
    out = bytearray()
    for row in modules:
        value = 0
        for dark in row:
            value = value << 1 | bool(dark)
        pad = (-len(row)) % 8
        out += (value << pad).to_bytes((len(row) + pad) // 8, "big")
    return bytes(out)


def rectangles(matrix: Matrix) -> list[tuple[int, int, int, int]]:
    """Dark modules as few rectangles: runs per row, stacked runs merged downward.

    Returns (column, row, width, height) in modules, row 0 at the top.
    """
    open_runs: dict[tuple[int, int], list[int]] = {}  # (col, width) → [row, height]
    done: list[tuple[int, int, int, int]] = []
    for r in range(matrix.size):
        runs = [
            (m.start(), m.end() - m.start()) for m in _RUN.finditer(matrix.row_text(r))
        ]
        current = set(runs)
        for key in [k for k in open_runs if k not in current]:
            top, height = open_runs.pop(key)
            done.append((key[0], top, key[1], height))
        for key in runs:
            if key in open_runs:
                open_runs[key][1] += 1
            else:
                open_runs[key] = [r, 1]
    for key, (top, height) in open_runs.items():
        done.append((key[0], top, key[1], height))
    return sorted(done, key=lambda rect: (rect[1], rect[0]))


@lru_cache(maxsize=8192)
def path_operators(matrix: Matrix) -> str:
    """PDF operators filling the dark modules, in a unit square per module.

    The origin is the code's top-left corner and y grows downward, so the caller
    places it with ``cm`` (translate to the top-left corner, scale by the module
    size with a negative y scale). Kept per matrix: drawing a card appends a string.
    """
    parts = [f"{c} {r} {w} {h} re" for c, r, w, h in rectangles(matrix)]
    parts.append("f")
    return "\n".join(parts)
