"""The area picker pages share: a search box that lists matching units with
their parents, and the unit chosen, without JavaScript.

Inside a form that posts (an account's area), the search is a second submit
button of the same form (``find``): the page comes back with every typed value
and the matches as radio buttons named after the field, and nothing is
written. On a page that is itself a GET form (cards, reports) the matches are
links. Template macros: ``areas/_picker.html``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Level
from ocop_tracker.users.models import User

# The search box's own field; the chosen unit goes in the form's area field.
QUERY_FIELD = "area_q"


@dataclass(frozen=True)
class Picker:
    """What ``area_picker`` shows: the search as typed, its matches, the choice."""

    q: str = ""
    matches: Sequence[area_views.PickedArea] = ()
    total: int = 0
    chosen: area_views.PickedArea | None = None
    searched: bool = False
    levels: Sequence[Level] = field(default_factory=tuple)

    @property
    def more(self) -> int:
        """How many matches are not shown (type more words to narrow)."""
        return max(self.total - len(self.matches), 0)


def picker(
    session: Session,
    viewer: User,
    *,
    q: str = "",
    chosen_id: int | None = None,
    levels: Sequence[Level] = (),
) -> Picker:
    """The picker for ``viewer``: the matches of ``q`` inside their area, and
    the chosen unit when it lies there too."""
    q = q.strip()
    matches, total = (
        area_views.pick(session, viewer, q, levels=levels) if q else ([], 0)
    )
    return Picker(
        q=q,
        matches=matches,
        total=total,
        chosen=area_views.picked(session, viewer, chosen_id),
        searched=bool(q),
        levels=tuple(levels),
    )


def parse_id(raw: str) -> int | None:
    """A chosen unit's id from a form, or None (empty or not a number: nothing
    chosen, the service then says what is missing)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None
