"""The write path's session hooks, registered in one place and in one order.

Every session of the process runs these on its transactions (they are
registered on the ``Session`` class); records inserted in bulk without the
ORM go through the same steps (``INSERTED``). Nothing registers itself when its
module is imported: ``install()`` is called where the process starts — the
app (``main.create_app``), the command line (``cli``), the tests and the
benchmarks — so a command writes its audit events and keeps the coverage
ledger in step exactly as a request does. Hooks of one event run in the order
below; docs/ARCHITECTURE.md lists them and a test holds the two together.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ocop_tracker.audit import context as audit_context
from ocop_tracker.audit import listener as audit_listener
from ocop_tracker.cards import warm as cards_warm
from ocop_tracker.core import db as core_db
from ocop_tracker.core import migrate
from ocop_tracker.photos import service as photo_service
from ocop_tracker.public import changes as page_changes
from ocop_tracker.reports import listener as reports_listener
from ocop_tracker.reports import segments as report_segments

HOOKS: tuple[tuple[str, Callable[..., Any]], ...] = (
    # Each statement: a read request may not write.
    ("do_orm_execute", core_db.refuse_dml_in_read),
    # Each flush, before: refuse a read request's change.
    ("before_flush", core_db.refuse_flush_in_read),
    # Each flush, after: the audit trail, the subjects the ledger refreshes, the
    # products whose QR matrices are to be made, the public pages changed.
    ("after_flush", audit_listener.record_changes),
    ("after_flush", reports_listener.collect),
    ("after_flush", cards_warm.note_new_codes),
    ("after_flush", page_changes.note),
    # The commit: the ledger in step and the page changes written inside the
    # transaction, then what follows it.
    ("before_commit", reports_listener.refresh_before_commit),
    ("before_commit", page_changes.write_before_commit),
    ("after_commit", photo_service.unlink_after_commit),
    ("after_commit", page_changes.forget_after_commit),
    ("after_commit", cards_warm.hand_over_after_commit),
    # A rollback: forget what was noted.
    ("after_rollback", reports_listener.forget_after_rollback),
    ("after_soft_rollback", photo_service.forget_unlinks),
    ("after_soft_rollback", page_changes.forget_noted),
    ("after_soft_rollback", cards_warm.forget_new_codes),
)


# Records inserted in bulk without the ORM (``core.db.insert_rows``, the list
# import's writes) pass through the same steps as a flush's new objects, in
# the same order: the audit trail, the ledger's subjects, the QR matrices to
# make, the public pages changed. The commit's hooks above then finish them.
INSERTED: tuple[core_db.RowsInserted, ...] = (
    audit_listener.record_inserted,
    reports_listener.collect_inserted,
    cards_warm.note_inserted,
    page_changes.note_inserted,
)


# What the request transaction (``core.db``) takes from the audit trail: core
# imports no domain, so it is handed over here rather than imported there.
AUDIT = core_db.AuditHooks(
    note_request=audit_context.set_request,
    record_event=audit_listener.record,
    context_key=audit_context.KEY,
)


def install() -> None:
    """Register every hook on ``Session``, in order, and hand the audit trail to
    ``core.db``; a second call changes nothing."""
    core_db.use_audit(AUDIT)
    core_db.use_insert_hooks(INSERTED)
    # An upgrade that changed what the kept report figures are made of
    # recomputes them before anything reads them.
    migrate.on_rebuild(report_segments.rebuild_after_upgrade)
    for name, hook in HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
