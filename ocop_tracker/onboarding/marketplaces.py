"""Marketplaces as data: voso.vn and postmart.vn are seeded, an admin adds others.

Each marketplace has a domain (where shop and listing URLs must live), the
shape of a shop page on it, and an ordered list of a product's onboarding
steps (retired ones kept as history); the workflow reads them, never a
marketplace's name.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.text import required_text
from ocop_tracker.onboarding import repository, workflow
from ocop_tracker.onboarding.models import Marketplace, MarketplaceStep
from ocop_tracker.onboarding.workflow import StepDef
from ocop_tracker.users.models import Role, User

MAX_NAME = 100
MAX_STEP_NAME = 200
# The columns a stored step and the workflow's ``StepDef`` share (a new step is
# never retired: ``retired_on`` is only read back).
_STEP_COLUMNS = (
    "code",
    "position",
    "name",
    "evidence",
    "url_pattern",
    "url_example",
    "requires",
)


def _check_admin(actor: User) -> None:
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị viên được thêm sàn và các bước lên sàn.")


def list_marketplaces(
    session: Session,
) -> list[tuple[Marketplace, list[MarketplaceStep]]]:
    """Every marketplace with its steps in order (reference data, readable by all)."""
    markets = repository.marketplaces(session)
    steps = repository.steps_of(session, [m.id for m in markets])
    return [(m, steps[m.id]) for m in markets]


def get(session: Session, marketplace_id: int) -> Marketplace:
    """One marketplace, or NotFound."""
    market = repository.marketplace(session, marketplace_id)
    if market is None:
        raise NotFound("Không tìm thấy sàn thương mại điện tử này.")
    return market


def resolve(session: Session, ref: str) -> Marketplace:
    """A marketplace named by its id or its code (``2`` or ``voso``)."""
    value = ref.strip()
    market = (
        repository.marketplace(session, int(value))
        if value.isdigit()
        else repository.marketplace_by_code(session, value.lower())
    )
    if market is None:
        raise InvalidInput(
            f"Không có sàn thương mại điện tử “{value}”.", field="marketplace"
        )
    return market


def steps(
    session: Session, marketplace_id: int, *, retired: bool = False
) -> list[MarketplaceStep]:
    """A marketplace's steps in order: those asked today, or with ``retired`` every one."""
    return repository.steps_of(session, [marketplace_id], retired=retired)[
        marketplace_id
    ]


def step_defs(session: Session, marketplace_id: int) -> list[StepDef]:
    """A marketplace's steps as the workflow reads them."""
    return [as_def(s) for s in steps(session, marketplace_id)]


def clean_shop_url(
    session: Session,
    market: Marketplace,
    raw: str | None,
    *,
    field: str = "shop_url",
) -> str:
    """A shop page on the marketplace's domain, by the marketplace's shop URL rule."""
    label = "Đường dẫn gian hàng"
    url = workflow.clean_url(raw, domain=market.domain, field=field, label=label)
    workflow.check_page(
        url,
        domain=market.domain,
        label=label,
        page=workflow.SHOP_PAGE,
        pattern=market.shop_url_pattern,
        example=market.shop_url_example,
        field=field,
    )
    return url


def as_def(step: MarketplaceStep) -> StepDef:
    """The workflow's view of a stored step."""
    return StepDef(
        **{k: getattr(step, k) for k in _STEP_COLUMNS}, retired_on=step.retired_on
    )


# A new step as an admin sends it: code, name, evidence, URL pattern, URL example.
NewStep = tuple[str, str, str | None, str | None, str | None]


def create_marketplace(
    session: Session,
    actor: User,
    *,
    code: str,
    name: str,
    domain: str,
    new_steps: Sequence[NewStep] = (),
) -> Marketplace:
    """Add a marketplace (admin), with its steps in order.

    Each step is (code, name, evidence, URL pattern, URL example); the last two
    only for a step whose evidence is a URL.
    """
    _check_admin(actor)
    clean_code = workflow.clean_code(code, field="code", label="Mã sàn", example="tiki")
    clean_name = required_text(
        name,
        field="name",
        label="Tên sàn",
        max_len=MAX_NAME,
    )
    clean_domain = workflow.clean_domain(domain)
    if repository.marketplace_by_code(session, clean_code) is not None:
        raise Conflict(f"Đã có sàn mã “{clean_code}”.")
    if repository.marketplace_by_domain(session, clean_domain) is not None:
        raise Conflict(f"Đã có sàn trên tên miền {clean_domain}.")
    defs: list[StepDef] = []
    for step_code, step_name, evidence, pattern, example in new_steps:
        defs.append(
            _new_def(
                defs,
                step_code,
                step_name,
                evidence,
                domain=clean_domain,
                url_rule=(pattern, example),
            )
        )
    market = Marketplace(
        code=clean_code,
        name=clean_name,
        domain=clean_domain,
        is_active=True,
        is_named_in_plan=False,
    )
    session.add(market)
    session.flush()
    session.add_all(_row(market.id, d) for d in defs)
    session.flush()
    return market


def add_step(
    session: Session,
    actor: User,
    market: Marketplace,
    *,
    code: str,
    name: str,
    evidence: str | None = None,
    url_pattern: str | None = None,
    url_example: str | None = None,
) -> MarketplaceStep:
    """Append a step to a marketplace's onboarding (admin).

    Listings that had done every step now have this one to do.
    """
    _check_admin(actor)
    # Retired steps keep their code and position: a new step comes after them.
    existing = [as_def(s) for s in steps(session, market.id, retired=True)]
    new = _new_def(
        existing,
        code,
        name,
        evidence,
        domain=market.domain,
        url_rule=(url_pattern, url_example),
    )
    step = _row(market.id, new)
    session.add(step)
    for listing in repository.listings_waiting_for_a_step(session, market.id):
        listing.next_step = new.code
    session.flush()
    return step


def set_url_rule(
    session: Session,
    actor: User,
    market: Marketplace,
    *,
    code: str,
    url_pattern: str | None,
    url_example: str | None,
) -> MarketplaceStep:
    """Change what an evidence URL of one step must look like (admin).

    Evidence already recorded stays; the rule applies to the next recording.
    """
    _check_admin(actor)
    step = next((s for s in steps(session, market.id) if s.code == code), None)
    if step is None:
        raise NotFound(f"Sàn {market.name} không có bước “{code}”.")
    if step.evidence != workflow.EVIDENCE_URL:
        raise InvalidInput(
            f"Bước “{step.name}” không lấy đường dẫn làm bằng chứng, nên không có quy tắc đường dẫn."
        )
    step.url_pattern, step.url_example = workflow.clean_url_rule(
        url_pattern, url_example, domain=market.domain, page=_page(code)
    )
    session.flush()
    return step


def _page(code: str) -> str:
    return workflow.PAGE_NAMES.get(code, "trang bằng chứng")


def _new_def(
    existing: Sequence[StepDef],
    code: str,
    name: str,
    evidence: str | None,
    *,
    domain: str,
    url_rule: tuple[str | None, str | None] = (None, None),
) -> StepDef:
    clean_code = workflow.clean_code(
        code, field="code", label="Mã bước", example="first_order"
    )
    clean_name = required_text(
        name,
        field="name",
        label="Tên bước",
        max_len=MAX_STEP_NAME,
    )
    position = workflow.check_new_step(existing, code=clean_code, evidence=evidence)
    pattern, example = url_rule
    if (pattern or example) and evidence != workflow.EVIDENCE_URL:
        raise InvalidInput(
            "Chỉ bước lấy đường dẫn làm bằng chứng (evidence = “url”) mới có mẫu đường dẫn."
        )
    clean_pattern, clean_example = workflow.clean_url_rule(
        pattern, example, domain=domain, page=_page(clean_code)
    )
    return StepDef(
        code=clean_code,
        position=position,
        name=clean_name,
        evidence=evidence,
        url_pattern=clean_pattern,
        url_example=clean_example,
    )


def _row(marketplace_id: int, d: StepDef) -> MarketplaceStep:
    return MarketplaceStep(
        marketplace_id=marketplace_id, **{k: getattr(d, k) for k in _STEP_COLUMNS}
    )
