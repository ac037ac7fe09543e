"""Field encryption: a MultiFernet from FIELD_ENCRYPTION_KEY (first key encrypts, all decrypt), read at call time."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "primary_only_crypter"]


def _configured_keys() -> tuple[str, ...]:
    keys = settings.FIELD_ENCRYPTION_KEY
    if isinstance(keys, str):
        keys = [k for k in keys.split(",") if k.strip()]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set: secrets cannot be stored or read.")
    return tuple(k.strip() for k in keys)


@lru_cache(maxsize=8)
def _crypter_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def crypter() -> MultiFernet:
    """The crypter for the keys configured right now (override_settings and rotation see new keys)."""
    return _crypter_for(_configured_keys())


def primary_only_crypter() -> MultiFernet:
    """A crypter that only knows the first key: used to prove a value was rotated."""
    return _crypter_for(_configured_keys()[:1])


def encrypt(plaintext: str) -> str:
    return crypter().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt with any configured key; raises InvalidToken when none fits."""
    return crypter().decrypt(token.encode("utf-8")).decode("utf-8")
