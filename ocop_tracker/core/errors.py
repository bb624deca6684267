"""Domain errors carry their HTTP status; handlers render them as JSON or HTML."""


class AppError(Exception):
    """An expected failure with a status code and a message a user can act on."""

    status_code = 400
    code = "bad_request"
    # When set, the refusal itself is written to the audit trail (denials).
    audit_action: str | None = None

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


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
