"""ConnectWise PSA client package: the only code that speaks HTTP to a PSA (read-only, no Django)."""

from .client import ClientStats, CompanyInfo, ConnectWiseClient, Credentials
from .errors import (
    BadRequest,
    ConnectionFailed,
    ConnectWiseError,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    ReadOnlyViolation,
    ServerError,
    Throttled,
    UndecryptableCredentials,
    UnsafeTenantURL,
)
from .permissions import (
    PERMISSION_CHECKS,
    PermissionCheck,
    PermissionCheckResult,
    audit_permissions,
    permission_for_endpoint,
)

__all__ = [
    "PERMISSION_CHECKS",
    "BadRequest",
    "ClientStats",
    "CompanyInfo",
    "ConnectWiseClient",
    "ConnectWiseError",
    "ConnectionFailed",
    "Credentials",
    "InvalidCredentials",
    "NotFound",
    "PermissionCheck",
    "PermissionCheckResult",
    "PermissionDenied",
    "ReadOnlyViolation",
    "ServerError",
    "Throttled",
    "UndecryptableCredentials",
    "UnsafeTenantURL",
    "audit_permissions",
    "permission_for_endpoint",
]
