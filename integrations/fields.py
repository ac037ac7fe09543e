"""SecretField: django-encrypted-model-fields storage that never hides a decryption failure.

The library's fields return the ciphertext as if it were the value when the key is wrong
(`except InvalidToken: pass`); a portal would then send ciphertext to ConnectWise as a credential,
or re-encrypt the ciphertext on the next save and lose the real secret. This field reads a value it
cannot decrypt as an `UndecryptableSecret`, writes such a value back byte-for-byte unchanged, and
keeps secrets out of serialised dumps.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from encrypted_model_fields.fields import EncryptedCharField

from integrations import crypto


class UndecryptableSecret(str):
    """Stored ciphertext that none of the configured FIELD_ENCRYPTION_KEY keys can decrypt."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<UndecryptableSecret>"


class SecretField(EncryptedCharField):
    """An encrypted CharField that detects undecryptable values instead of passing ciphertext off as plaintext."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken:
            return UndecryptableSecret(value)

    def to_python(self, value: Any) -> str | None:
        # Values reaching to_python come from forms and code, i.e. plaintext: never guess-decrypt them.
        return models.CharField.to_python(self, value)

    def get_db_prep_save(self, value: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        if isinstance(value, UndecryptableSecret):
            return str(value)  # keep the stored ciphertext exactly as it was
        return crypto.encrypt(str(value))

    def value_to_string(self, obj: models.Model) -> str:
        return ""  # dumpdata/fixtures never carry secrets; re-enter them after loading


class PayloadField(models.JSONField):
    """The JSON payload column of a cache table, without the `CHECK (JSON_VALID(...))` Django adds on SQLite.

    Only the sync writes this column, always with text orjson produced from a decoded payload, so the check could
    never fail; it made SQLite parse every payload again on each insert (a third of the write cost of a page of
    tickets). JSON functions and `data__key` lookups work as before; on PostgreSQL the column is jsonb either way.
    """

    def db_check(self, connection: Any) -> None:
        return None
