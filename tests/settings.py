"""Test settings: the project's settings with fixed test keys; DATABASE_URL and REDIS_URL still come from the env."""

import os

from cryptography.fernet import Fernet

os.environ["SECRET_KEY"] = "test-secret-key-not-for-production-use-0123456789"
os.environ["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
