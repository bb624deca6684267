"""Domain errors carry their HTTP status; handlers render them as JSON or HTML.

An error may name the form fields it is about: ``fields`` maps a field's name
(as the API and the form spell it) to a Vietnamese message for that field. The
message itself never holds a field's code; the API answers the map beside it and
pages show each message beside its field.
"""

import re
import unicodedata
from collections.abc import Mapping


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Older raise sites wrote the field's code into the message: "phone: Số…".
# Until each names its field, such a leading code is taken out of the message
# and becomes the field, so a user never reads it. (Codes in brackets, "Ghi chú
# (note) …", are left to their raise sites: a bracket may also name a step.)
_CODE_PREFIX = re.compile(r"([a-z][a-z0-9_]*): (.+)", re.DOTALL)


def split_field_code(message: str) -> tuple[str | None, str]:
    """``("phone", "Số…")`` for ``"phone: Số…"``; ``(None, message)`` when
    the message begins with no field code."""
    prefix = _CODE_PREFIX.fullmatch(message)
    if prefix:
        return prefix[1], prefix[2]
    return None, message


class AppError(Exception):
    """An expected failure with a status code and a message a user can act on.

    ``field="name"`` ties the message to one field; ``fields={...}`` gives
    several fields their own messages at once (see ``FieldErrors``).
    """

    status_code = 400
    code = "bad_request"
    # When set, the refusal itself is written to the audit trail (denials).
    audit_action: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        field: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        code, message = split_field_code(_nfc(message))
        if field is None and not fields:
            field = code
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.fields: dict[str, str] = {
            name: _nfc(text) for name, text in (fields or {}).items()
        }
        if field is not None:
            self.fields.setdefault(field, message)

    def on_field(self, field: str) -> "AppError":
        """The same error, tied to ``field`` when it names no field yet."""
        if not self.fields:
            self.fields[field] = self.message
        return self


class NotFound(AppError):
    """The object does not exist (or is outside the caller's area)."""

    status_code = 404
    code = "not_found"


class NotAuthenticated(AppError):
    """No valid session or token: sign in first."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(AppError):
    """The caller may not perform this action."""

    status_code = 403
    code = "forbidden"
    audit_action: str | None = "denied"


class TooManyRequests(AppError):
    """Throttled; ``retry_after`` says when to try again (seconds)."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(AppError):
    """The change clashes with existing data (duplicate, stale version)."""

    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    """The input is well-formed but breaks a domain rule."""

    status_code = 422
    code = "invalid"


def fields_summary(count: int) -> str:
    """The message of a refusal about several fields."""
    return f"Chưa lưu được: {count} ô cần sửa."


class FieldErrors:
    """Gathers the refusals of several fields, then raises them as one.

    ``with errors.check("phone"): ...`` keeps an ``InvalidInput`` raised inside
    as that field's message; ``raise_any()`` raises one ``InvalidInput`` with
    every field's message (or the single error as it was, when only one).
    """

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self._first: AppError | None = None

    def add(self, field: str, message: str) -> None:
        """Note ``message`` for ``field`` (the first message of a field wins)."""
        self.fields.setdefault(field, _nfc(message))

    def check(self, field: str) -> "_FieldCheck":
        """A context manager that notes an ``InvalidInput`` raised inside."""
        return _FieldCheck(self, field)

    def raise_any(self) -> None:
        """Raise the gathered refusals, if any."""
        if not self.fields:
            return
        if len(self.fields) == 1:
            if self._first is not None:
                raise self._first
            (message,) = self.fields.values()
        else:
            message = fields_summary(len(self.fields))
        raise InvalidInput(message, fields=self.fields)


class _FieldCheck:
    def __init__(self, errors: FieldErrors, field: str) -> None:
        self.errors = errors
        self.field = field

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, _tb: object) -> bool:
        if not isinstance(exc, InvalidInput):
            return False
        if exc.fields:
            for name, text in exc.fields.items():
                self.errors.add(name, text)
        else:
            self.errors.add(self.field, exc.message)
        if self.errors._first is None:
            self.errors._first = exc.on_field(self.field)
        return True
