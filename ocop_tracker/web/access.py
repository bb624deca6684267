"""Who may open a page, where more than one page asks the same: the role
aliases the pages share (``auth.deps.require_roles``)."""

from typing import Annotated

from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.users.models import Role

# Admins only: reference data, the flag rules, moving hamlets onto the 2025 map.
Admin = Annotated[Principal, require_roles(Role.admin)]
