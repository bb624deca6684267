"""Declarative base and the column types every domain shares."""

import datetime as dt
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    validates,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class IdMixin:
    """Integer surrogate primary key."""

    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    """Creation and last-change times, in UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking: an UPDATE or DELETE whose row changed since it was read
    raises StaleDataError instead of overwriting the other writer's change.

    List it before IdMixin so the column keeps its place after the model's own.
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def name_key(name: str) -> str:
    """The form two names are compared in when case is ignored ("Hộ Lan" = "hộ lan")."""
    return name.casefold()


class NameKeyMixin:
    """A typed ``name`` and its ``name_key``, set together whenever the name is.

    A same-name check then reads one index entry (the model indexes the key
    under its parent), however many rows the parent holds. Compared in Python's
    casefold, not SQL's lower(): SQLite's lower() folds ASCII letters only.
    """

    name_key: Mapped[str] = mapped_column(String(400))

    @validates("name")
    def _keep_name_key(self, _field: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


_DEFAULTS: dict[type, list[tuple[str, Any]]] = {}


def _python_defaults(model: type[Any]) -> list[tuple[str, Any]]:
    """(column, default) of the columns whose default Python makes, per model."""
    if model not in _DEFAULTS:
        _DEFAULTS[model] = [
            (c.key, c.default)
            for c in model.__table__.columns
            if c.default is not None and (c.default.is_scalar or c.default.is_callable)
        ]
    return _DEFAULTS[model]


def new_row(model: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    """The row ``model(**values)`` would insert, made without the ORM: ``values``
    (updated in place and returned), each column's default where none is given
    (the times, the version), and the name's key (``NameKeyMixin``). For
    records inserted in bulk (``core.db.insert_rows``), whose audit trail must
    read as if the session had flushed them."""
    for key, default in _python_defaults(model):
        if key not in values:
            values[key] = default.arg if default.is_scalar else default.arg(None)
    if issubclass(model, NameKeyMixin):
        values["name_key"] = name_key(values["name"])
    return values


def str_enum(enum: type[StrEnum], length: int = 20) -> Enum:
    """A StrEnum stored as its value in a VARCHAR, never a native enum type."""
    return Enum(
        enum,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
