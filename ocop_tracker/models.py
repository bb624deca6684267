"""Imports every domain's models so that one metadata describes the schema."""

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, AreaMapping
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.models import ApiToken, AuthSession, LoginAttempt
from ocop_tracker.core.base import Base

# Later domains are imported as modules (their classes are reached through them).
from ocop_tracker.households import models as household_models
from ocop_tracker.links.models import LinkCheck
from ocop_tracker.offline import models as offline_models
from ocop_tracker.onboarding.models import (
    Listing,
    Marketplace,
    MarketplaceStep,
    StepRecord,
    Verification,
)
from ocop_tracker.photos import models as photo_models
from ocop_tracker.pilots import models as pilot_models
from ocop_tracker.producers.models import Consent, PaymentAccount, Producer
from ocop_tracker.products.models import Certificate, OcopGroup, OcopSubgroup, Product
from ocop_tracker.public import models as public_models
from ocop_tracker.reports import models as report_models
from ocop_tracker.sellers import models as seller_models
from ocop_tracker.teams.models import Team, TeamMember
from ocop_tracker.training import models as training_models
from ocop_tracker.users.models import User

__all__ = [
    "AdminUnit",
    "AdminUnitLink",
    "ApiToken",
    "AreaMapping",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Certificate",
    "Consent",
    "LinkCheck",
    "Listing",
    "LoginAttempt",
    "Marketplace",
    "MarketplaceStep",
    "OcopGroup",
    "OcopSubgroup",
    "PaymentAccount",
    "Producer",
    "Product",
    "StepRecord",
    "Team",
    "TeamMember",
    "User",
    "Verification",
    "household_models",
    "offline_models",
    "photo_models",
    "pilot_models",
    "public_models",
    "report_models",
    "seller_models",
    "training_models",
]
