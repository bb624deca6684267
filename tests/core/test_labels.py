"""One catalogue of labels: every member of every catalogued enum reads one way."""

from enum import Enum

import pytest

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.cards.layout import Layout
from ocop_tracker.core.labels import (
    CATALOGUE,
    FIELDS,
    RECORDS,
    VALUE_KINDS,
    label,
    labels,
    labels_by_value,
)
from ocop_tracker.models import Base
from ocop_tracker.onboarding.models import Decision, ListingStatus, StepStatus
from ocop_tracker.producers.models import (
    ConsentField,
    PaymentKind,
    PaymentStatus,
    ProducerKind,
)
from ocop_tracker.products.models import CertLevel, ProductKind
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.sellers.models import ClaimStatus, SellerStatus
from ocop_tracker.teams.models import Background, Position
from ocop_tracker.training.models import CoachingStep, TrainerKind
from ocop_tracker.users.models import Role

ENUMS: list[type[Enum]] = [
    Edition,
    Level,
    Role,
    Position,
    Background,
    ProducerKind,
    ConsentField,
    PaymentKind,
    PaymentStatus,
    ProductKind,
    CertLevel,
    CertificateStatus,
    ListingStatus,
    Decision,
    StepStatus,
    SellerStatus,
    ClaimStatus,
    TrainerKind,
    CoachingStep,
    Layout,
]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_label_and_nothing_else_does(enum: type[Enum]) -> None:
    assert set(CATALOGUE[enum.__name__]) == {str(m.value) for m in enum}
    assert all(label(m).strip() == label(m) and label(m) for m in enum)


def test_the_catalogue_names_only_these_enums() -> None:
    assert set(CATALOGUE) == {e.__name__ for e in ENUMS}


def test_maps_by_member_and_by_value_agree() -> None:
    assert labels(ListingStatus)[ListingStatus.delisted] == "Đã gỡ khỏi sàn"
    assert labels_by_value(Level)["commune"] == label(Level.commune)
    assert list(labels(Decision)) == list(Decision)


def test_field_labels_name_real_columns_and_readable_kinds() -> None:
    tables = Base.metadata.tables
    for table, fields in FIELDS.items():
        assert table in RECORDS
        columns = set(tables[table].columns.keys())
        for name, (text, kind) in fields.items():
            assert name in columns, f"{table}.{name}"
            assert text.strip() == text
            assert text
            assert kind in VALUE_KINDS or kind in CATALOGUE, f"{table}.{name}: {kind}"
