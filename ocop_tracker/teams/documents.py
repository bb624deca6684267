"""The scanned copy of a team's establishment decision (SECURITY.md §M): a PDF
or a photo, told apart by their first bytes, never by the name or the declared
type. A photo is decoded and re-encoded as product photos are (its metadata
dropped); a PDF is kept as sent and only ever served as an attachment, in a
sandbox."""

import hashlib
from dataclasses import dataclass

from starlette.datastructures import UploadFile

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.photos import processing

MAX_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
JPEG = "image/jpeg"
FIELD = "document"


@dataclass(frozen=True)
class Document:
    """An accepted file: what is stored and how it is served."""

    data: bytes
    media_type: str
    name: str
    sha256: str


def accept(data: bytes, number: str) -> Document:
    """The file as it will be kept, or a refusal beside the file field."""
    if not data:
        raise InvalidInput(
            "Chưa chọn tệp: hãy chọn bản chụp hoặc tệp PDF.", field=FIELD
        )
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"Tệp quá lớn: tối đa {MAX_BYTES // (1024 * 1024)} MB.", field=FIELD
        )
    stem = "quyet-dinh-" + "".join(c if c.isalnum() else "-" for c in number)[:40]
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput(
                "Tệp PDF bị hỏng hoặc chưa tải lên hết; hãy gửi lại.", field=FIELD
            )
        return Document(data, PDF, f"{stem}.pdf", hashlib.sha256(data).hexdigest())
    if processing.sniff(data) is None:
        raise InvalidInput(
            "Chỉ nhận tệp PDF hoặc ảnh chụp (JPEG, PNG, WebP, HEIC).", field=FIELD
        )
    try:
        photo = processing.process(data)
    except processing.PhotoRefused as exc:
        raise InvalidInput(exc.message, field=FIELD) from None
    jpeg = photo.full.data
    return Document(jpeg, JPEG, f"{stem}.jpg", hashlib.sha256(jpeg).hexdigest())


def read_upload(upload: UploadFile | None, number: str) -> Document | None:
    """A form's file field read (capped) and accepted; None when no file was chosen."""
    if upload is None or not (upload.filename or upload.size):
        return None
    data = upload.file.read(MAX_BYTES + 1)
    return accept(data, number)
