"""App config for the project package (home page, demo and housekeeping commands)."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
