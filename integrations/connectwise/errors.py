"""Typed ConnectWise errors whose messages tell a person what to do, and never carry a secret."""

from __future__ import annotations


class ConnectWiseError(Exception):
    """Base class: `message` says what happened, `hint` says what to do about it."""

    default_message = "ConnectWise request failed"
    default_hint = ""

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        status: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.message: str = message or self.default_message
        self.hint: str = self.default_hint if hint is None else hint
        self.status: int | None = status
        self.endpoint: str | None = endpoint
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        separator = " " if self.message.endswith((".", "!", "?")) else ". "
        return f"{self.message}{separator}{self.hint}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, endpoint={self.endpoint!r})"


class InvalidCredentials(ConnectWiseError):
    default_message = "ConnectWise rejected the API keys: check the public/private key and the company ID"
    default_hint = (
        "The keys must belong to an API member (System › Members › API Members) of the company you log in to; "
        "if the keys were regenerated, enter the new pair."
    )


class PermissionDenied(ConnectWiseError):
    default_message = "ConnectWise refused access: the API member's security role lacks a permission"
    default_hint = "Grant the permission to the API member's security role (System › Security Roles) and try again."

    def __init__(self, message: str | None = None, *, permission: str = "", **kwargs: object) -> None:
        self.permission = permission
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ConnectionFailed(ConnectWiseError):
    default_message = "Could not reach ConnectWise"
    default_hint = "Check the site URL, the region and that this server can reach it."


class UnsafeTenantURL(ConnectionFailed):
    default_message = "The ConnectWise site URL was refused before anything was sent"
    default_hint = "Use the https:// address of your ConnectWise site."


class NotFound(ConnectWiseError):
    default_message = "ConnectWise has no such record"
    default_hint = (
        "The record may have been deleted or merged; if every request fails like this, check the site URL and codebase."
    )


class Throttled(ConnectWiseError):
    default_message = "ConnectWise is rate-limiting this integration (HTTP 429)"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        if "hint" not in kwargs:
            wait = f"{retry_after:.0f} seconds" if retry_after is not None else "a minute"
            kwargs["hint"] = f"Wait {wait} and try again; spread scheduled syncs out if it keeps happening."
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class BadRequest(ConnectWiseError):
    default_message = "ConnectWise refused the request as malformed (HTTP 400)"
    default_hint = "Check the conditions, fields and order sent; ConnectWise's message names the part it rejected."


class ServerError(ConnectWiseError):
    default_message = "ConnectWise kept answering with a server error"
    default_hint = "ConnectWise may be down or being upgraded; try again later."


class ReadOnlyViolation(ConnectWiseError):
    default_message = "This portal only reads from ConnectWise; the request was not sent"
    default_hint = "Use GET; writing to ConnectWise is deliberately not supported."


class UndecryptableCredentials(ConnectWiseError):
    default_message = "The stored ConnectWise keys are still encrypted, so they were not sent"
    default_hint = (
        "They could not be decrypted with this server's encryption key: restore the key they were saved with, "
        "or enter the API keys again."
    )
