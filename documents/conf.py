"""Settings of the documents app with their defaults: override any `DOCUMENTS_*` name in the Django settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings

MIB = 1024 * 1024

DEFAULTS: dict[str, Any] = {
    # Upload checks of .docx templates (zip inspected before python-docx or docxtpl read it).
    "DOCUMENTS_MAX_UPLOAD_BYTES": 5 * MIB,
    "DOCUMENTS_MAX_ZIP_ENTRIES": 1000,
    "DOCUMENTS_MAX_UNCOMPRESSED_BYTES": 25 * MIB,
    "DOCUMENTS_MAX_COMPRESSION_RATIO": 100,
    # PDF templates: size of the HTML body and of the CSS.
    "DOCUMENTS_MAX_HTML_CHARS": 512 * 1024,
    "DOCUMENTS_MAX_CSS_CHARS": 256 * 1024,
    # Rendering: isolated worker process with a wall-clock timeout and an address-space limit.
    "DOCUMENTS_RENDER_ISOLATED": True,
    "DOCUMENTS_RENDER_TIMEOUT": 60,
    "DOCUMENTS_RENDER_MEMORY_MB": 1024,
    # Jinja sandbox caps.
    "DOCUMENTS_MAX_RANGE": 10_000,
    "DOCUMENTS_MAX_OUTPUT_CHARS": 20_000_000,
    # Largest document accepted back from the renderer, and largest total of static files one PDF may embed.
    "DOCUMENTS_MAX_DOCUMENT_BYTES": 50 * MIB,
    "DOCUMENTS_MAX_STATIC_BYTES": 10 * MIB,
    # Optional logo offered to every template as `images.logo`: a path found by the staticfiles finders.
    "DOCUMENTS_LOGO_STATIC_PATH": "",
    # Storage folders (inside the default storage) for template files, generated documents and batch zips.
    "DOCUMENTS_TEMPLATE_UPLOAD_TO": "documents/templates/",
    "DOCUMENTS_OUTPUT_UPLOAD_TO": "documents/generated/%Y/%m/",
    "DOCUMENTS_BATCH_UPLOAD_TO": "documents/batches/%Y/%m/",
}


def get(name: str) -> Any:
    """The value of a `DOCUMENTS_*` setting: the Django setting when defined, else the default above."""
    return getattr(settings, name, DEFAULTS[name])
