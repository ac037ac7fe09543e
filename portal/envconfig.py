"""Strict readers for environment settings: a malformed value stops start-up with a message naming the variable."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Settings:
    """Reads variables from the process environment, then from an optional `.env` file (environment wins)."""

    def __init__(self, env_file: Path | None = None) -> None:
        self.env = environ.Env()
        if env_file is not None and env_file.exists():
            try:
                environ.Env.read_env(str(env_file), overwrite=False)
            except Exception as exc:  # django-environ raises plain errors on unreadable files
                raise ImproperlyConfigured(f"Could not read {env_file}: {exc}") from exc

    def raw(self, name: str) -> str | None:
        value = os.environ.get(name)
        return value.strip() if value is not None else None

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")

    def int(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value in (None, "") else value

    def database(self, name: str, default: str) -> dict:
        value = self.raw(name) or default
        scheme = urlsplit(value).scheme
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql", "psql"}:
            raise ImproperlyConfigured(
                f"{name}={_redact_url(value)!r} is not supported: use sqlite:///path or postgres://user@host:port/db."
            )
        try:
            config = environ.Env.db_url_config(value)
        except Exception as exc:
            raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None
        if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names no database: add /<dbname> to the URL.")
        return config

    def redis_url(self, name: str) -> str | None:
        value = self.raw(name)
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss", "unix"} or (parts.scheme != "unix" and not parts.hostname):
            raise ImproperlyConfigured(f"{name}={_redact_url(value)!r} is not a Redis URL: use redis://host:6379/0.")
        return value

    def url_list(self, name: str, default: list[str]) -> list[str]:
        values = self.list(name, default)
        for value in values:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ImproperlyConfigured(
                    f"{name} holds {value!r}, which is not an origin like https://portal.example.com."
                )
        return values

    def fernet_keys(self, name: str) -> list[str]:
        keys = self.list(name, [])
        for index, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except Exception:
                raise ImproperlyConfigured(
                    f"{name}: key #{index} is not a valid Fernet key (32 url-safe base64-encoded bytes). "
                    "Generate one with: python -m portal.bootstrap_env (writes .env) or "
                    "cryptography.fernet.Fernet.generate_key()."
                ) from None
        return keys


def _redact_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.password:
        return value.replace(parts.password, "***")
    return value
