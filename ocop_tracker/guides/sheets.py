"""The how-to sheets as data: loaded from YAML, checked, found for a step.

Each sheet is one YAML file (``guides/data/*.yaml``): its ``key``, what it is
for (``kind``: a product's marketplace ``step``, the ``shop`` a household opens,
or an e-payment account's kind, ``payment``; ``code`` names which), an optional
``marketplace`` (a sheet for one marketplace wins over the general one), the
Vietnamese text — title, summary, what to prepare, the steps in order, common
mistakes, where to get help — and the sources it follows with the date they
were read. Nothing here invents a procedure: where a source is unsure, the
sheet says "hỏi cán bộ xã".

Admins edit a sheet by putting a changed copy (same ``key``) in the folder
``OCOP_GUIDES_DIR``; a new key adds a sheet. ``ocop-tracker guides check``
reads a file and says what is wrong, in Vietnamese, before it goes live. A
broken file in that folder is left out (and logged); the shipped sheet stays.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from ocop_tracker.core.config import get_settings
from ocop_tracker.core.text import has_forbidden_chars, normalize

log = logging.getLogger("ocop_tracker.guides")

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_FILE_BYTES = 64 * 1024
Line = str


def _line(value: str) -> str:
    if has_forbidden_chars(str(value)):
        raise ValueError("có ký tự điều khiển không in được")
    text = normalize(str(value))
    if not text:
        raise ValueError("có dòng trống")
    return text


class Source(BaseModel):
    """Where a sheet's procedure comes from, and when it was read."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=300)
    url: str | None = Field(default=None, max_length=500)
    date: dt.date

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("đường dẫn nguồn phải bắt đầu bằng https://")
        return value


class Sheet(BaseModel):
    """One how-to sheet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,59}$")
    kind: Literal["step", "shop", "payment"]
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")
    marketplace: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,29}$")
    title: str = Field(min_length=3, max_length=120)
    summary: str = Field(min_length=3, max_length=400)
    prepare: tuple[Line, ...] = Field(min_length=1, max_length=12)
    steps: tuple[Line, ...] = Field(min_length=1, max_length=12)
    mistakes: tuple[Line, ...] = Field(default=(), max_length=8)
    help: str = Field(min_length=3, max_length=400)
    sources: tuple[Source, ...] = Field(min_length=1, max_length=5)

    @field_validator("title", "summary", "help")
    @classmethod
    def _text(cls, value: str) -> str:
        return _line(value)

    @field_validator("prepare", "steps", "mistakes")
    @classmethod
    def _lines(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for line in value:
            if len(line) > 240:
                raise ValueError("mỗi dòng tối đa 240 ký tự")
        return tuple(_line(v) for v in value)


# Where a sheet's field sits, in the words an admin reads.
FIELD_WORDS = {
    "key": "Mã phiếu (key)",
    "kind": "Loại phiếu (kind: step, shop hoặc payment)",
    "code": "Mã bước hoặc loại tài khoản (code)",
    "marketplace": "Sàn (marketplace)",
    "title": "Tiêu đề (title)",
    "summary": "Tóm tắt (summary)",
    "prepare": "Cần chuẩn bị (prepare)",
    "steps": "Các bước (steps)",
    "mistakes": "Lỗi thường gặp (mistakes)",
    "help": "Hỏi ai (help)",
    "sources": "Nguồn (sources)",
}


class SheetError(ValueError):
    """A sheet file that cannot be used, with what to fix, in Vietnamese."""


def parse(text: str) -> Sheet:
    """A sheet from its YAML text; ``SheetError`` says what is wrong."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise SheetError("Tệp quá lớn: một phiếu tối đa 64 KB.")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1})" if mark is not None else ""
        raise SheetError(f"Tệp không đúng cú pháp YAML{where}.") from None
    if not isinstance(data, dict):
        raise SheetError("Tệp phải là các mục 'tên: giá trị' của một phiếu.")
    try:
        return Sheet.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            words = FIELD_WORDS.get(field, f"Mục không dùng đến ({field})")
            problems.append(f"{words}: {_message(error)}")
        raise SheetError("; ".join(problems)) from None


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "còn thiếu"
    if kind == "extra_forbidden":
        return "không có trong mẫu phiếu"
    if kind in ("too_short", "string_too_short"):
        return "còn trống hoặc quá ngắn"
    if kind in ("too_long", "string_too_long"):
        return "quá dài"
    if kind == "string_pattern_mismatch":
        return "2–60 ký tự: chữ thường không dấu, số, gạch ngang hoặc gạch dưới"
    if kind == "literal_error":
        return "chọn một trong step, shop, payment"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return "ngày viết dạng 2026-12-31"
    return error["msg"].removeprefix("Value error, ") or "chưa đúng"


def _read(paths: Iterable[Path], *, strict: bool) -> dict[str, Sheet]:
    found: dict[str, Sheet] = {}
    for path in sorted(paths):
        try:
            sheet = parse(path.read_text(encoding="utf-8"))
        except (SheetError, OSError, UnicodeDecodeError) as exc:
            if strict:
                raise SheetError(f"{path.name}: {exc}") from None
            log.warning("how-to sheet %s left out: %s", path, exc)
            continue
        found[sheet.key] = sheet
    return found


@cache
def catalog() -> dict[str, Sheet]:
    """Every sheet by key: the shipped ones, replaced or added to by the admins'."""
    sheets = _read(DATA_DIR.glob("*.yaml"), strict=True)
    extra = get_settings().guides_dir
    if extra is not None and extra.is_dir():
        sheets.update(_read(extra.glob("*.yaml"), strict=False))
    return sheets


def get(key: str) -> Sheet | None:
    """The sheet of ``key``, if there is one."""
    return catalog().get(key)


def find(kind: str, code: str, marketplace: str | None = None) -> Sheet | None:
    """The sheet for a step, the shop or a payment kind; one written for the
    marketplace first, then the general one."""
    general = None
    for sheet in catalog().values():
        if sheet.kind != kind or sheet.code != code:
            continue
        if marketplace is not None and sheet.marketplace == marketplace:
            return sheet
        if sheet.marketplace is None and general is None:
            general = sheet
    return general


@dataclass(frozen=True)
class GuideLink:
    """A sheet named where it helps: its key and title."""

    key: str
    title: str


def link(
    kind: str, code: str | None, marketplace: str | None = None
) -> GuideLink | None:
    """The link to the sheet for a step, the shop or a payment kind, if any."""
    if not code:
        return None
    sheet = find(kind, code, marketplace)
    return None if sheet is None else GuideLink(sheet.key, sheet.title)
