"""Dependencies shared by routers."""

from typing import Annotated

from fastapi import Depends

from ocop_tracker.core.config import Env, Settings, get_settings
from ocop_tracker.core.errors import Forbidden

SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_write_access(settings: SettingsDep) -> None:
    """Guards writes until accounts exist: allowed only in development and tests.

    Accounts, roles and area scope replace this guard; until then a production
    deployment refuses every write through the web.
    """
    if settings.env == Env.production:
        raise Forbidden(
            "Ghi dữ liệu qua web cần đăng nhập, chưa có ở phiên bản này; "
            "dùng lệnh ocop-tracker trên máy chủ."
        )


WriteAccess = Annotated[None, Depends(require_write_access)]
