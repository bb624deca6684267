"""Every SQL statement about areas."""

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import (
    AdminUnit,
    AdminUnitLink,
    AreaMapping,
    Edition,
    Level,
)
from ocop_tracker.core import query
from ocop_tracker.core.search import like_words


def link_valid_on(day: dt.date) -> ColumnElement[bool]:
    """Links of the tree in force on ``day``."""
    return and_(
        or_(AdminUnitLink.valid_from.is_(None), AdminUnitLink.valid_from <= day),
        or_(AdminUnitLink.valid_to.is_(None), AdminUnitLink.valid_to >= day),
    )


def get(session: Session, unit_id: int) -> AdminUnit | None:
    """One unit by id."""
    return session.get(AdminUnit, unit_id)


def search_statement(
    *,
    q: str | None,
    level: Level | None,
    parent_id: int | None,
    edition: Edition | None,
) -> Select[AdminUnit]:
    """Units matching the filters; ``q`` is already folded."""
    stmt = select(AdminUnit)
    if q:
        # One LIKE per word: "thanh an" finds "An Thạnh" as "an thanh" does.
        stmt = stmt.where(*like_words(AdminUnit.search_key, q))
    return query.where_equal(
        stmt,
        (AdminUnit.level, level),
        (AdminUnit.parent_id, parent_id),
        (AdminUnit.edition, edition),
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pick_statement(q: str, *, levels: Sequence[Level]) -> Select[AdminUnit]:
    """Units with a word of their name starting with each word of ``q``
    (already folded): "an thanh" finds "An Thạnh 1" and "Thạnh An", not
    "Thành phố Cần Thơ"."""
    key = literal(" ").concat(AdminUnit.search_key)
    stmt = select(AdminUnit).where(
        *(key.like(f"% {_escaped(word)}%", escape="\\") for word in q.split())
    )
    if levels:
        stmt = stmt.where(AdminUnit.level.in_(list(levels)))
    return stmt


def pick_run(
    session: Session, stmt: Select[AdminUnit], q: str, *, limit: int
) -> tuple[Sequence[AdminUnit], int]:
    """Run a picker's statement: the units whose name holds the whole phrase
    first, then today's map before 2022's, by level and name."""
    # The phrase as whole words: the key runs the short name on after the
    # name ("xa thanh an thanhan"), so an open end would rank "Thạnh An" too.
    phrase = (
        literal(" ")
        .concat(AdminUnit.search_key)
        .concat(" ")
        .like(f"% {_escaped(q)} %", escape="\\")
    )
    total = query.count(session, stmt)
    rows = session.scalars(
        stmt.order_by(
            case((phrase, 0), else_=1),
            AdminUnit.edition.desc(),
            _level_order(),
            AdminUnit.search_key,
            AdminUnit.id,
        ).limit(limit)
    ).all()
    return rows, total


def page(
    session: Session, stmt: Select[AdminUnit], *, limit: int, offset: int
) -> tuple[Sequence[AdminUnit], int]:
    """One page of ``stmt`` by edition, level and name, with the total.

    Names sort on their folded key, so "Đại Hải" stands among the D's as in a
    Vietnamese list rather than after Z as code points would put it.
    """
    total = query.count(session, stmt)
    rows = session.scalars(
        stmt.order_by(
            AdminUnit.edition.desc(), _level_order(), AdminUnit.search_key, AdminUnit.id
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def _level_order() -> ColumnElement[int]:
    return case(
        {Level.province: 0, Level.district: 1, Level.commune: 2, Level.hamlet: 3},
        value=AdminUnit.level,
        else_=4,
    )


def children(session: Session, unit_id: int, *, day: dt.date) -> Sequence[AdminUnit]:
    """Units directly under ``unit_id`` on ``day``, by name."""
    stmt = (
        select(AdminUnit)
        .join(AdminUnitLink, AdminUnitLink.descendant_id == AdminUnit.id)
        .where(
            AdminUnitLink.ancestor_id == unit_id,
            AdminUnitLink.depth == 1,
            link_valid_on(day),
        )
        .order_by(AdminUnit.search_key, AdminUnit.id)
    )
    return session.scalars(stmt).all()


def ancestors(session: Session, unit_id: int, *, day: dt.date) -> Sequence[AdminUnit]:
    """The unit's ancestors on ``day``, from the root down (the unit excluded)."""
    stmt = (
        select(AdminUnit)
        .join(AdminUnitLink, AdminUnitLink.ancestor_id == AdminUnit.id)
        .where(
            AdminUnitLink.descendant_id == unit_id,
            AdminUnitLink.depth > 0,
            link_valid_on(day),
        )
        .order_by(AdminUnitLink.depth.desc())
    )
    return session.scalars(stmt).all()


def chains(
    session: Session, unit_ids: Iterable[int], *, day: dt.date
) -> dict[int, list[AdminUnit]]:
    """For each unit, its ancestors on ``day`` from the root down, then itself
    (one query for a page)."""
    ids = list(unit_ids)
    result: dict[int, list[AdminUnit]] = {unit_id: [] for unit_id in ids}
    if not ids:
        return result
    stmt = (
        select(AdminUnitLink.descendant_id, AdminUnit)
        .join(AdminUnit, AdminUnit.id == AdminUnitLink.ancestor_id)
        .where(AdminUnitLink.descendant_id.in_(ids), link_valid_on(day))
        .order_by(AdminUnitLink.descendant_id, AdminUnitLink.depth.desc())
    )
    for descendant_id, unit in session.execute(stmt):
        result[descendant_id].append(unit)
    return result


def names(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """The names of these units, in one statement."""
    return query.names_by_id(session, AdminUnit.id, AdminUnit.name, unit_ids)


def subtree_ids(unit_id: int, *, day: dt.date) -> Select[int]:
    """A subquery of every unit id under ``unit_id`` (itself included) on ``day``."""
    return select(AdminUnitLink.descendant_id).where(
        AdminUnitLink.ancestor_id == unit_id, link_valid_on(day)
    )


def units_by_code(
    session: Session, edition: Edition, level: Level | None = None
) -> dict[tuple[Level, str], AdminUnit]:
    """Every coded unit of an edition, keyed by (level, code)."""
    stmt = select(AdminUnit).where(
        AdminUnit.edition == edition, AdminUnit.code.is_not(None)
    )
    if level is not None:
        stmt = stmt.where(AdminUnit.level == level)
    return {(u.level, u.code): u for u in session.scalars(stmt) if u.code is not None}


def open_links_up(session: Session, unit_id: int) -> Sequence[AdminUnitLink]:
    """The unit's links to itself and its current ancestors."""
    return session.scalars(
        select(AdminUnitLink).where(
            AdminUnitLink.descendant_id == unit_id, AdminUnitLink.valid_to.is_(None)
        )
    ).all()


def close_links_up(session: Session, unit_id: int, *, last_day: dt.date) -> None:
    """End the unit's links to its ancestors (not to itself) after ``last_day``."""
    session.execute(
        update(AdminUnitLink)
        .where(
            AdminUnitLink.descendant_id == unit_id,
            AdminUnitLink.depth > 0,
            AdminUnitLink.valid_to.is_(None),
        )
        .values(valid_to=last_day)
        # No ORM sync: links are never loaded as objects, and scanning the
        # session per call made re-homing a province quadratic.
        .execution_options(synchronize_session=False)
    )


def sibling_named(
    session: Session, parent_id: int, name: str, *, exclude_id: int | None = None
) -> AdminUnit | None:
    """A current child of ``parent_id`` named ``name``, ignoring case."""
    stmt = select(AdminUnit).where(AdminUnit.parent_id == parent_id)
    return query.first_named(session, stmt, name, exclude_id=exclude_id)


def communes_with_code(session: Session, code: str) -> Sequence[AdminUnit]:
    """Communes of any edition carrying an official code.

    Every edition is named, so the unique index on (edition, level, code)
    finds them: without it the whole tree (80,000 hamlets) was read per code.
    """
    return session.scalars(
        select(AdminUnit).where(
            AdminUnit.edition.in_(list(Edition)),
            AdminUnit.level == Level.commune,
            AdminUnit.code == code,
        )
    ).all()


def communes_with_codes(
    session: Session, codes: Sequence[str]
) -> dict[str, list[AdminUnit]]:
    """``communes_with_code`` for many codes, a few thousand to a query."""
    stmt = select(AdminUnit).where(
        AdminUnit.edition.in_(list(Edition)), AdminUnit.level == Level.commune
    )
    found: dict[str, list[AdminUnit]] = {}
    for (unit,) in query.rows_in_chunks(session, stmt, AdminUnit.code, codes):
        found.setdefault(unit.code, []).append(unit)
    return found


def hamlets_of_communes(
    session: Session, commune_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, str]]]:
    """The (id, name, short name) of each commune's hamlets, in the order of a
    unit list (folded name): rows, not units, for the thousands a list names."""
    stmt = select(
        AdminUnit.id,
        AdminUnit.name,
        AdminUnit.short_name,
        AdminUnit.search_key,
        AdminUnit.parent_id,
    ).where(AdminUnit.level == Level.hamlet)
    found: dict[int, list[tuple[int, str, str]]] = {c: [] for c in commune_ids}
    rows = query.rows_in_chunks(session, stmt, AdminUnit.parent_id, commune_ids)
    for row in sorted(rows, key=lambda r: (r.search_key, r.id)):
        found[row.parent_id].append((row.id, row.name, row.short_name))
    return found


def mapping_pairs(session: Session) -> set[tuple[int, int]]:
    """Every (old, new) pair already stored."""
    return {
        (row[0], row[1])
        for row in session.execute(
            select(AreaMapping.old_unit_id, AreaMapping.new_unit_id)
        )
    }


def mappings_from(
    session: Session, old_unit_ids: Iterable[int]
) -> Sequence[AreaMapping]:
    """Stored mappings of the given old communes."""
    return query.all_in(
        session, select(AreaMapping), AreaMapping.old_unit_id, old_unit_ids
    )


def hamlets_under(
    session: Session, unit_id: int, *, day: dt.date, limit: int | None = None
) -> Sequence[AdminUnit]:
    """Hamlets under ``unit_id`` on ``day``, by id (the first ``limit`` of them)."""
    return session.scalars(
        select(AdminUnit)
        .where(
            AdminUnit.id.in_(subtree_ids(unit_id, day=day)),
            AdminUnit.level == Level.hamlet,
        )
        .order_by(AdminUnit.id)
        .limit(limit)
    ).all()


def mapped_units(
    session: Session, unit_id: int
) -> tuple[Sequence[AdminUnit], Sequence[AdminUnit]]:
    """The new communes an old one went into, and the old communes a new one took in."""
    to_new = session.scalars(
        select(AdminUnit)
        .join(AreaMapping, AreaMapping.new_unit_id == AdminUnit.id)
        .where(AreaMapping.old_unit_id == unit_id)
        .order_by(AdminUnit.name)
    ).all()
    from_old = session.scalars(
        select(AdminUnit)
        .join(AreaMapping, AreaMapping.old_unit_id == AdminUnit.id)
        .where(AreaMapping.new_unit_id == unit_id)
        .order_by(AdminUnit.name)
    ).all()
    return to_new, from_old


def across_reform(
    session: Session, unit_id: int, *, level: Level, forward: bool
) -> Sequence[AdminUnit]:
    """Units at ``level`` of the other map that hold the communes of ``unit_id``.

    ``forward``: a 2022 unit → the 2025 units its communes went into on
    1/7/2025; otherwise a 2025 unit → the 2022 units its communes came from.
    The maps' own links carry no dates, so any link counts here.
    """
    mine, theirs = (
        (AreaMapping.old_unit_id, AreaMapping.new_unit_id)
        if forward
        else (AreaMapping.new_unit_id, AreaMapping.old_unit_id)
    )
    communes = select(AdminUnitLink.descendant_id).where(
        AdminUnitLink.ancestor_id == unit_id
    )
    other = select(theirs).where(mine.in_(communes))
    ids = select(AdminUnitLink.ancestor_id).where(
        AdminUnitLink.descendant_id.in_(other)
    )
    return session.scalars(
        select(AdminUnit)
        .where(AdminUnit.id.in_(ids), AdminUnit.level == level)
        .order_by(AdminUnit.search_key, AdminUnit.id)
    ).all()


def taken_in_only_by(session: Session, old_unit_id: int, new_ids: Select[int]) -> bool:
    """True when every commune of the 2022 unit went into one of ``new_ids``.

    False when none of its communes has a stored mapping.
    """
    communes = select(AdminUnitLink.descendant_id).where(
        AdminUnitLink.ancestor_id == old_unit_id
    )
    targets = select(AreaMapping.id).where(AreaMapping.old_unit_id.in_(communes))
    if not session.scalar(select(targets.exists())):
        return False
    outside = targets.where(AreaMapping.new_unit_id.not_in(new_ids))
    return not session.scalar(select(outside.exists()))


def count_by_edition_level(session: Session) -> dict[tuple[Edition, Level], int]:
    """How many units each edition has at each level."""
    stmt = select(AdminUnit.edition, AdminUnit.level, func.count()).group_by(
        AdminUnit.edition, AdminUnit.level
    )
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}
