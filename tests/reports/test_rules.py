"""Pure rules of coverage: dims on a day, spans, metric names, months."""

import datetime as dt

from ocop_tracker.reports import rules
from ocop_tracker.reports.rules import CertFact, ListingFact, ProductFacts, timeline

D = dt.date


def _product(certs: list[CertFact], listings: list[ListingFact]) -> ProductFacts:
    return ProductFacts(
        product_id=1,
        hamlet_id=10,
        kind="ocop",
        group_id=2,
        ptype="household",
        exists=timeline([(D(2024, 1, 1), "1")]),
        certs=certs,
        listings=listings,
    )


def test_a_certificate_counts_from_decision_to_its_last_day() -> None:
    cert = CertFact(1, D(2024, 3, 1), D(2027, 3, 1), None, 4)
    facts = _product([cert], [])
    assert rules.product_dims(facts, D(2024, 2, 29), frozenset()) is None
    on = rules.product_dims(facts, D(2024, 3, 1), frozenset())
    assert on is not None
    assert on.category == "ocop"
    assert on.stars == 4
    assert rules.product_dims(facts, D(2027, 3, 1), frozenset()) is not None
    after = rules.product_dims(facts, D(2027, 3, 2), frozenset())
    assert after is not None
    assert after.category == "lapsed"
    expiring = rules.product_dims(facts, D(2027, 1, 1), frozenset())
    assert expiring is not None
    assert expiring.expiring


def test_revocation_ends_validity_on_its_day() -> None:
    cert = CertFact(1, D(2024, 3, 1), D(2027, 3, 1), D(2025, 5, 5), 3)
    facts = _product([cert], [])
    assert rules.product_dims(facts, D(2025, 5, 4), frozenset()) is not None
    gone = rules.product_dims(facts, D(2025, 5, 5), frozenset())
    assert gone is not None
    assert gone.category == "lapsed"


def test_listed_on_both_named_platforms_and_segments_merge() -> None:
    cert = CertFact(1, D(2024, 1, 1), D(2027, 1, 1), None, 3)
    voso = ListingFact(
        1, timeline([(D(2024, 2, 1), "in_progress"), (D(2024, 3, 1), "listed")])
    )
    post = ListingFact(
        2,
        timeline(
            [
                (D(2024, 2, 1), "in_progress"),
                (D(2024, 4, 1), "listed"),
                (D(2024, 6, 1), "delisted"),
            ]
        ),
    )
    facts = _product([cert], [voso, post])
    named = frozenset({1, 2})
    segs = rules.product_segments(facts, named)
    assert [s.start for s in segs][:4] == [
        D(2024, 1, 1),
        D(2024, 3, 1),
        D(2024, 4, 1),
        D(2024, 6, 1),
    ]
    both = next(s for s in segs if s.start == D(2024, 4, 1))
    assert both.dims.both
    assert both.dims.markets == "1,2"
    names = rules.metrics(both.dims)
    assert {"ocop", "ocop.listed", "ocop.both", "ocop.mp.1", "ocop.mp.2"} <= set(names)
    assert "ocop.stars.3.listed" in names
    assert "ocop.group.2.listed" in names
    assert all(s.end is None or s.start < s.end for s in segs)


def test_month_ends_cap_at_the_last_day() -> None:
    assert rules.month_ends(D(2025, 11, 15), D(2026, 2, 10)) == [
        D(2025, 11, 30),
        D(2025, 12, 31),
        D(2026, 1, 31),
        D(2026, 2, 10),
    ]
    assert rules.month_end(D(2024, 2, 3)) == D(2024, 2, 29)
    assert rules.share(1, 3) == 33.3
    assert rules.share(0, 0) is None


def test_a_payment_account_counts_open_in_the_old_words_and_the_new() -> None:
    """Accounts recorded before issue 16 left "opened" in the trail, later ones
    "open": a producer pays on every day either holds, and not before or after."""
    d = dt.date

    def facts(*trails: list[tuple[dt.date, str | None]]) -> rules.ProducerFacts:
        return rules.ProducerFacts(
            producer_id=1,
            hamlet_id=1,
            kind="household",
            exists=rules.timeline([(d(2026, 1, 1), "1")]),
            payments=[rules.timeline(t) for t in trails],
        )

    before = facts(
        [
            (d(2026, 1, 2), "in_progress"),
            (d(2026, 2, 1), "opened"),
            (d(2026, 12, 2), "open"),
        ]
    )
    after = facts([(d(2026, 12, 3), "applied"), (d(2026, 12, 9), "open")])
    closed = facts([(d(2026, 1, 2), "opened"), (d(2026, 12, 5), "closed")])

    def paying(f: rules.ProducerFacts, day: dt.date) -> bool:
        dims = rules.producer_dims(f, day)
        assert dims is not None
        return dims.paying

    assert [
        paying(before, x) for x in (d(2026, 1, 31), d(2026, 2, 1), d(2026, 12, 2))
    ] == [
        False,
        True,
        True,
    ]
    assert [paying(after, x) for x in (d(2026, 12, 8), d(2026, 12, 9))] == [False, True]
    assert [paying(closed, x) for x in (d(2026, 12, 4), d(2026, 12, 5))] == [
        True,
        False,
    ]


def test_a_producers_shops_give_the_plans_figures() -> None:
    """Open shops per marketplace, on every named one, and with e-payment."""
    d = dt.date
    voso, postmart, other = 1, 2, 3
    facts = rules.ProducerFacts(
        producer_id=1,
        hamlet_id=1,
        kind="household",
        exists=rules.timeline([(d(2026, 1, 1), "1")]),
        payments=[rules.timeline([(d(2026, 3, 1), "open")])],
        shops={
            voso: rules.timeline([(d(2026, 1, 5), "applied"), (d(2026, 2, 1), "open")]),
            postmart: rules.timeline(
                [(d(2026, 4, 1), "open"), (d(2026, 6, 1), "suspended")]
            ),
            other: rules.timeline([(d(2026, 4, 1), "open")]),
        },
    )
    named = frozenset({voso, postmart})

    def figures(day: dt.date) -> set[str]:
        dims = rules.producer_dims(facts, day, named)
        assert dims is not None
        return set(rules.metrics(dims))

    assert "producers.shop" not in figures(d(2026, 1, 31))
    assert {"producers.shop", "producers.shop.1", "producers.kind.household.shop"} <= (
        figures(d(2026, 2, 1))
    )
    assert "producers.shop_paying" not in figures(d(2026, 2, 28))
    march = figures(d(2026, 3, 1))
    assert {"producers.shop_paying", "producers.kind.household.shop_paying"} <= march
    april = figures(d(2026, 4, 1))
    assert {"producers.shop.both", "producers.shop.2", "producers.shop.3"} <= april
    june = figures(d(2026, 6, 1))
    assert "producers.shop.both" not in june
    assert "producers.shop.2" not in june
    days = sorted(rules.producer_breaks(facts))
    assert d(2026, 6, 1) in days, "a shop's change is a break of the producer's spans"
    segments = rules.producer_segments(facts, named)
    assert [s.start for s in segments] == [
        d(2026, 1, 1),
        d(2026, 2, 1),
        d(2026, 3, 1),
        d(2026, 4, 1),
        d(2026, 6, 1),
    ]


def test_a_retired_step_counts_until_its_retirement_day() -> None:
    """Issue 16 retired "storefront": days before still count it, not from then on."""
    retired_on = D(2026, 12, 3)
    trail = [(D(2025, 3, 1), "done"), (D(2027, 1, 1), "done")]
    ended = timeline(rules.retire(trail, retired_on))
    assert ended.on(D(2026, 12, 2)) == "done"
    assert ended.on(retired_on) is None
    assert ended.on(D(2027, 2, 1)) is None
    assert rules.retire(trail, None) == trail
    cert = CertFact(1, D(2024, 1, 1), D(2029, 1, 1), None, 4)
    listing = ListingFact(
        1,
        timeline([(D(2025, 2, 1), "in_progress")]),
        {
            "storefront": ended,
            "photos": timeline([(D(2025, 2, 1), "done")]),
        },
    )
    facts = _product([cert], [listing])
    before = rules.product_dims(facts, D(2026, 12, 2), frozenset())
    after = rules.product_dims(facts, retired_on, frozenset())
    assert before is not None
    assert after is not None
    assert before.steps == "photos,storefront"
    assert after.steps == "photos"
    assert "ocop.step.storefront" in rules.metrics(before)
    assert "ocop.step.storefront" not in rules.metrics(after)


def test_the_funnel_shows_a_retired_step_only_for_the_days_it_was_asked() -> None:
    retired = {"storefront": D(2026, 12, 3), "payment": D(2026, 12, 3)}
    assert rules.funnel_steps(D(2026, 12, 3), retired) == [
        "photos",
        "listing",
        "first_order",
        "quality",
    ]
    assert rules.funnel_steps(D(2026, 11, 30), retired) == [
        "photos",
        "storefront",
        "payment",
        "listing",
        "first_order",
        "quality",
    ]
