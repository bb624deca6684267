"""The import template: exactly the headers the importer reads, and one example row."""

from ocop_tracker.core.clock import today
from ocop_tracker.exports.writer import to_xlsx
from ocop_tracker.imports import activity
from ocop_tracker.imports.reader import COLUMNS, EXAMPLE, HEADERS

FILE_NAME = "mau-danh-sach-ocop.xlsx"


def template_xlsx() -> bytes:
    """An XLSX whose first row is every column the importer reads, in its words."""
    columns = list(COLUMNS)
    return to_xlsx(
        "Danh sach OCOP",
        [HEADERS[c] for c in columns],
        [[EXAMPLE[c] or None for c in columns]],
        made=today(),
    )


def activity_template_xlsx() -> bytes:
    """The activity import's template: its columns, in its words, one example row."""
    columns = list(activity.COLUMNS)
    return to_xlsx(
        "So lieu ban hang",
        [activity.HEADERS[c] for c in columns],
        [[activity.EXAMPLE[c] or None for c in columns]],
        made=today(),
    )
