"""PDF rendering with WeasyPrint: sandboxed Jinja for the HTML, one restricted URL fetcher for every resource."""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from documents.errors import TemplateRenderError
from documents.rendering.charts import chart_from_spec, charts_to_draw
from documents.rendering.sandbox import SandboxLimits, make_environment, render_error_message

logger = logging.getLogger(__name__)
# Font subsetting logs a dozen INFO lines per PDF; the portal logs at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

BASE_CSS = (Path(__file__).parent / "base.css").read_text(encoding="utf-8")
# Relative URLs (`/static/...`) resolve against this base; `.invalid` never resolves, so nothing can leak out.
PORTAL_BASE_URL = "https://portal.invalid/"
STATIC_PREFIX = "static/"


def data_uri(blob: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(blob).decode('ascii')}"


def _sniff_image_type(blob: bytes) -> str:
    if blob.startswith(b"\x89PNG"):
        return "image/png"
    if blob.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if blob.lstrip().startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    return "application/octet-stream"


def make_url_fetcher(static_files: Mapping[str, bytes] | None = None, *, refused: list[str] | None = None):
    """A WeasyPrint URL fetcher that only serves `data:` URIs and the given static files (path → bytes).

    Everything else (file://, http(s)://, anything a redirect would lead to) is refused and logged; WeasyPrint
    then renders without that resource. The same instance must go to every HTML, CSS and Attachment object.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_files = dict(static_files or {})
    static_base = PORTAL_BASE_URL + STATIC_PREFIX

    class RestrictedURLFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: dict | None = None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            if url.startswith(static_base):
                path = url[len(static_base) :].split("?")[0].split("#")[0]
                if path in static_files:
                    mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=static_files[path], headers={"Content-Type": mime_type})
            logger.warning("Document rendering refused to load %s", url[:200])
            if refused is not None:
                refused.append(url[:200])
            raise ValueError(
                f"{url[:200]} was not loaded: documents may only use data: URIs and the portal's own static files"
            )

    return RestrictedURLFetcher()


def _wrap_html(body: str) -> str:
    if "<html" in body[:2000].lower():
        return body
    return f'<!doctype html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'


def render_pdf(
    html_body: str,
    css: str,
    context: Mapping[str, Any],
    *,
    images: Mapping[str, bytes] | None = None,
    static_files: Mapping[str, bytes] | None = None,
    object_type: str | None = None,
    template_paths: Iterable[str] = (),
    limits: SandboxLimits | None = None,
    refused_urls: list[str] | None = None,
) -> bytes:
    """Render an HTML/CSS template with `context` to PDF bytes.

    Charts (`{{ charts.x }}`) and images (`{{ images.logo }}`) render as `<img>` with a data: URI. Static files
    a template may reference as `/static/<path>` are passed in as `static_files` (path → bytes): the worker
    process has no file system access to look them up.
    """
    from weasyprint import CSS, HTML

    template_paths = tuple(template_paths or ())
    data = dict(context)
    data["charts"] = {
        name: Markup('<img class="chart" alt="{}" src="{}">').format(
            str(spec.get("title", name)) if isinstance(spec, Mapping) else name,
            data_uri(chart_from_spec(spec, fmt="svg"), "image/svg+xml"),
        )
        for name, spec in charts_to_draw(data.get("charts") or {}, template_paths).items()
    }
    data["images"] = {
        name: Markup('<img class="image {}" alt="{}" src="{}">').format(
            name, name, data_uri(blob, _sniff_image_type(blob))
        )
        for name, blob in (images or {}).items()
    }
    try:
        html_text = make_environment(limits).from_string(html_body).render(data)
    except (TemplateRenderError, MemoryError, RecursionError):
        raise  # limits are reported by the worker process
    except Exception as exc:
        raise render_error_message(
            exc, context=dict(context), template_paths=template_paths, object_type=object_type
        ) from exc

    fetcher = make_url_fetcher(static_files, refused=refused_urls)
    try:
        stylesheets = [
            CSS(string=BASE_CSS, base_url=PORTAL_BASE_URL, url_fetcher=fetcher),
            CSS(string=css or "", base_url=PORTAL_BASE_URL, url_fetcher=fetcher),
        ]
        document = HTML(string=_wrap_html(html_text), base_url=PORTAL_BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=stylesheets)
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        raise TemplateRenderError(
            f"The PDF engine could not lay out this template ({type(exc).__name__}: {exc}). Check the CSS for "
            "extreme sizes (fonts, widths, page size) and the HTML for very deep nesting."
        ) from exc
