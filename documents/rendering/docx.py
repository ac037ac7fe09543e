"""DOCX rendering with docxtpl, always through our sandboxed Jinja environment."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from documents.errors import TemplateRenderError
from documents.rendering.charts import chart_from_spec, charts_to_draw
from documents.rendering.sandbox import SandboxLimits, make_environment, render_error_message

CHART_WIDTH_MM = 160
IMAGE_WIDTH_MM = 40


def render_docx(
    template_bytes: bytes,
    context: Mapping[str, Any],
    *,
    images: Mapping[str, bytes] | None = None,
    object_type: str | None = None,
    template_paths: Iterable[str] = (),
    limits: SandboxLimits | None = None,
) -> bytes:
    """Render a .docx template with `context` and return the .docx bytes.

    `context["charts"]` chart specs become pictures (`{{ charts.tickets_by_status }}`), `images` (name → PNG/JPEG
    bytes) become `{{ images.logo }}`. `template_paths` (the variables found at upload) let a missing-variable
    error name the full path.
    """
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.render_init()
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateRenderError(f"The stored template is not a readable .docx file ({exc}).") from exc

    template_paths = tuple(template_paths or ())
    data = dict(context)
    charts = charts_to_draw(data.get("charts") or {}, template_paths)
    data["charts"] = {
        name: InlineImage(template, io.BytesIO(chart_from_spec(spec, fmt="png")), width=Mm(CHART_WIDTH_MM))
        for name, spec in charts.items()
    }
    data["images"] = {
        name: InlineImage(template, io.BytesIO(blob), width=Mm(IMAGE_WIDTH_MM)) for name, blob in (images or {}).items()
    }
    try:
        # docxtpl's default environment is not sandboxed: hand ours to every render (body, headers, properties).
        template.render(data, jinja_env=make_environment(limits), autoescape=True)
        output = io.BytesIO()
        template.save(output)
    except (TemplateRenderError, MemoryError, RecursionError):
        raise  # limits are reported by the worker process
    except Exception as exc:
        raise render_error_message(
            exc, context=dict(context), template_paths=template_paths, object_type=object_type
        ) from exc
    return output.getvalue()
