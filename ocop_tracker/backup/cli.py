"""``ocop-tracker backup FILE`` and ``ocop-tracker restore FILE``."""


def backup() -> None:
    """Write a consistent backup of the database and media to one file."""
    raise NotImplementedError


def restore() -> None:
    """Restore a backup into an empty installation."""
    raise NotImplementedError
