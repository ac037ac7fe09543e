"""Checks a template must pass before it is stored: a safe .docx package (or HTML/CSS), valid Jinja, known variables.

The .docx checks read only the zip's central directory until the package is known to be small and macro-free;
python-docx and docxtpl see the file only after that. XML parts are parsed with a parser that refuses DTDs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from jinja2 import TemplateSyntaxError
from lxml import etree

from documents import conf
from documents.contexts import FREE_VARIABLE_ROOT, OBJECT_TYPE_LABELS, has_context_builder, variable_reference
from documents.errors import TemplateValidationError
from documents.knowledgebase import KB_ROOT, knowledgebase_context
from documents.rendering.sandbox import (
    PortalSandbox,
    SandboxLimits,
    discover_variables,
    find_private_attributes,
    suggest,
)

MIB = 1024 * 1024
DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOTX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
HEADER_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
PPTX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
POTX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
FOOTER_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# Entries smaller than this are never a decompression risk, whatever their ratio.
RATIO_MIN_BYTES = 64 * 1024
_EXTERNAL_URL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*((?:https?|file|ftp):[^"'\s>]*)|url\(\s*["']?((?:https?|file|ftp):[^"')\s]*)""", re.I
)


@dataclass
class ValidationResult:
    """What a valid template uses (`variables`) and what a person should look at (`warnings`)."""

    variables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


# --- Office packages (.docx, .pptx) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficePackage:
    """What makes a zip a Word document or a PowerPoint presentation, and how to talk about it."""

    suffix: str  # ".docx"
    app: str  # "Word"
    noun: str  # "Word Document"
    macro_suffixes: frozenset[str]
    main_part: str  # "word/document.xml"
    main_type: str
    template_type: str  # the .dotx/.potx main type, refused with its own message
    template_suffix: str


DOCX_PACKAGE = OfficePackage(
    suffix=".docx",
    app="Word",
    noun="Word Document",
    macro_suffixes=frozenset({".docm", ".dotm"}),
    main_part="word/document.xml",
    main_type=DOCX_MAIN_TYPE,
    template_type=DOTX_MAIN_TYPE,
    template_suffix=".dotx",
)
PPTX_PACKAGE = OfficePackage(
    suffix=".pptx",
    app="PowerPoint",
    noun="PowerPoint Presentation",
    macro_suffixes=frozenset({".pptm", ".potm", ".ppsm", ".ppam"}),
    main_part="ppt/presentation.xml",
    main_type=PPTX_MAIN_TYPE,
    template_type=POTX_MAIN_TYPE,
    template_suffix=".potx",
)


def check_docx_package(*, data: bytes, filename: str = "") -> None:
    """Refuse anything that is not a small, macro-free, well-formed OOXML word-processing package."""
    check_office_package(data=data, filename=filename, package=DOCX_PACKAGE)


def check_pptx_package(*, data: bytes, filename: str = "") -> None:
    """Refuse anything that is not a small, macro-free, well-formed OOXML presentation package."""
    check_office_package(data=data, filename=filename, package=PPTX_PACKAGE)


def check_office_package(*, data: bytes, filename: str, package: OfficePackage) -> None:
    """Size, extension, zip structure (entries, paths, ratios), macros and hardened XML parsing of every part."""
    kind = package.suffix
    max_upload = conf.get("DOCUMENTS_MAX_UPLOAD_BYTES")
    if len(data) > max_upload:
        raise TemplateValidationError(
            f"The file is {_mib(len(data))}; templates may be at most {_mib(max_upload)}. Compress the pictures in "
            f"{package.app} (File > Compress Pictures) or remove large images, then upload again."
        )
    suffix = PurePosixPath(filename.lower()).suffix if filename else kind
    if suffix in package.macro_suffixes:
        raise TemplateValidationError(
            f"Macro-enabled {package.app} files ({sorted(package.macro_suffixes)[0]}) are not accepted. Save the "
            f"document as a {package.noun} ({kind})."
        )
    if suffix != kind:
        raise TemplateValidationError(
            f"Upload a {package.app} document saved as {kind} (the file is {suffix or 'without an extension'})."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateValidationError(
            f"This file is not a {package.app} {kind} document (it is not a zip package): open it in "
            f"{package.app} and save it as {package.noun} ({kind})."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_entries(infos, compressed_size=len(data), package=package)
            _check_xml_parts(archive, infos, package=package)
    except zipfile.BadZipFile as exc:
        raise TemplateValidationError(
            f"The {kind} package is damaged ({exc}). Save it again from {package.app}."
        ) from exc


def _check_entries(infos: list[zipfile.ZipInfo], *, compressed_size: int, package: OfficePackage) -> None:
    kind, app = package.suffix, package.app
    max_entries = conf.get("DOCUMENTS_MAX_ZIP_ENTRIES")
    max_total = conf.get("DOCUMENTS_MAX_UNCOMPRESSED_BYTES")
    max_ratio = conf.get("DOCUMENTS_MAX_COMPRESSION_RATIO")
    if len(infos) > max_entries:
        raise TemplateValidationError(
            f"The {kind} package has {len(infos):,} parts; at most {max_entries:,} are accepted. This is not a "
            f"normal {app} document: save it again from {app}."
        )
    names = [info.filename for info in infos]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise TemplateValidationError(f"The {kind} package lists {sorted(duplicates)[0]!r} twice; save it again.")
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name:
            raise TemplateValidationError(
                f"The {kind} package contains an unsafe path ({name[:100]!r}); it was not made by {app}. Refused."
            )
        if PurePosixPath(name.lower()).name in {"vbaproject.bin", "vbadata.xml"}:
            raise TemplateValidationError(
                "The document contains macros (vbaProject.bin). Templates may not carry macros: save it as a "
                f"{package.noun} ({kind}) without macros."
            )
        if info.flag_bits & 0x1:
            raise TemplateValidationError("The document is password-protected or encrypted; remove the protection.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise TemplateValidationError(f"The {kind} package uses an unsupported compression for {name!r}.")
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            raise TemplateValidationError(
                f"The {kind} package part {name!r} expands more than {max_ratio}:1 when unpacked "
                f"(a 'zip bomb'). Refused: save the document again from {app}."
            )
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise TemplateValidationError(
            f"The {kind} package unpacks to {_mib(total)}; at most {_mib(max_total)} is accepted. Remove large "
            "images or embedded files."
        )
    if total >= RATIO_MIN_BYTES and total > max_ratio * max(compressed_size, 1):
        raise TemplateValidationError(
            f"The {kind} package expands more than {max_ratio}:1 when unpacked (a 'zip bomb'). Refused."
        )
    for required in ("[Content_Types].xml", package.main_part):
        if required not in names:
            raise TemplateValidationError(
                f"The file has no {required}, so it is not a {app} document: open it in {app} and save as {kind}."
            )


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def parse_xml_safely(raw: bytes, *, part_name: str) -> etree._Element:
    """Parse one XML part; refuse DTDs and entity declarations (XXE, billion laughs) with a clear message."""
    head = raw[:4096].upper()
    try:
        root = etree.fromstring(raw, parser=_hardened_parser())
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            root = None
        else:
            raise TemplateValidationError(
                f"{part_name} is not well-formed XML ({exc}). Open the document in Office and save it again."
            ) from exc
    if root is None or b"<!DOCTYPE" in head or b"<!ENTITY" in head or root.getroottree().docinfo.internalDTD:
        raise TemplateValidationError(
            f"{part_name} declares a DOCTYPE or XML entities, which Office never writes and which can be used to "
            "read files from the server (XXE). Refused: rebuild the document and upload it again."
        )
    return root


def _check_xml_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, package: OfficePackage) -> None:
    kind, app = package.suffix, package.app
    content_types: etree._Element | None = None
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        root = parse_xml_safely(archive.read(info), part_name=info.filename)
        if info.filename == "[Content_Types].xml":
            content_types = root
    assert content_types is not None  # required entry checked in _check_entries
    types = [element.get("ContentType", "") for element in content_types]
    if any("macroenabled" in value.lower() or "vbaproject" in value.lower() for value in types):
        raise TemplateValidationError(
            f"The document is macro-enabled. Templates may not carry macros: save it as a {package.noun} ({kind})."
        )
    main_type = next(
        (element.get("ContentType") for element in content_types if element.get("PartName") == f"/{package.main_part}"),
        None,
    )
    if main_type == package.template_type:
        raise TemplateValidationError(
            f"This is a {app} template ({package.template_suffix}). Save it as a {package.noun} ({kind})."
        )
    if main_type != package.main_type:
        raise TemplateValidationError(
            f"{package.main_part} is not a {app} document body; save the file again as {kind}."
        )


# --- Jinja --------------------------------------------------------------------------------------------------


def _environment() -> PortalSandbox:
    return PortalSandbox(SandboxLimits(max_range=conf.get("DOCUMENTS_MAX_RANGE")))


def _strip_tags(xml_line: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", xml_line)).strip()


def check_jinja(sources: Iterable[tuple[str, str]], *, is_docx: bool) -> list[str]:
    """Parse and compile each (label, source); return the variables used. Syntax errors name line and reason."""
    env = _environment()
    variables: list[str] = []
    for label, source in sources:
        try:
            ast = env.parse(source)
            env.compile(ast)  # unknown filters and tests are reported here
        except TemplateSyntaxError as exc:
            lines = source.splitlines()
            line = exc.lineno or 0
            where = f"line {line}"
            if is_docx and 0 < line <= len(lines):
                snippet = _strip_tags(lines[line - 1])[:80]
                if snippet:
                    where += f" (paragraph “{snippet}”)"
            raise TemplateValidationError(
                f"Template syntax error in the {label}, {where}: {exc.message}. Fix the tag and upload again."
            ) from exc
        private = find_private_attributes(ast)
        if private:
            raise TemplateValidationError(
                f"The {label} uses '{private[0]}': names starting with an underscore are not allowed in templates."
            )
        variables += discover_variables(ast)
    return list(dict.fromkeys(variables))


def _prefixes(path: str) -> list[str]:
    """company.tickets[].summary → company, company.tickets, company.tickets[], company.tickets[].summary."""
    cuts = [match.start() for match in re.finditer(r"\.|\[\]", path)]
    prefixes = [path[:cut] for cut in cuts if cut]
    prefixes += [path[: match.end()] for match in re.finditer(r"\[\]", path)]
    return sorted({*prefixes, path}, key=len)


def check_variables(variables: Iterable[str], *, object_type: str) -> list[str]:
    """Warnings for variables the object type does not provide, each with a 'did you mean' when one is close."""
    label = OBJECT_TYPE_LABELS.get(object_type, object_type)
    reference = [info.path for info in variable_reference(object_type)]
    known = {prefix for path in reference for prefix in _prefixes(path)}
    leaves = {path for path in known if not any(other != path and other.startswith(path) for other in known)}
    warnings = []
    if not has_context_builder(object_type):
        warnings.append(
            f"No data source is registered for {label} records yet, so only the common variables could be checked."
        )
    snippets: list[str] | None = None
    for variable in variables:
        root = variable.split(".")[0].split("[")[0]
        if root == FREE_VARIABLE_ROOT or variable in known:
            continue
        if root == KB_ROOT:
            if snippets is None:
                snippets = [f"{KB_ROOT}.{name}" for name in knowledgebase_context()]
            name = ".".join(variable.split(".")[:2])
            if name == KB_ROOT or name in snippets:
                continue
            message = f"'{name}' is not a knowledgebase snippet (add it under Documents › Knowledgebase snippets)."
            hint = suggest(name, snippets)
            warnings.append(message + (f" Did you mean {hint}?" if hint else ""))
            continue
        if any(prefix in leaves for prefix in _prefixes(variable)):
            continue  # e.g. `company.name.upper`: a method of a known value
        message = f"'{variable}' is not a known variable for {label} documents."
        hint = suggest(variable, reference)
        if hint:
            message += f" Did you mean {hint}?"
        warnings.append(message)
    return warnings


# --- entry points -------------------------------------------------------------------------------------------


def _docx_sources(data: bytes) -> list[tuple[str, str]]:
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    try:
        document = template.get_docx()
    except Exception as exc:  # python-docx raises many types for odd packages; all mean the same to a person
        raise TemplateValidationError(
            f"The file passed the package checks but cannot be opened as a Word document ({exc}). Save it again "
            "from Word as .docx."
        ) from exc
    # Same pre-processing as docxtpl's render (patch_xml + one line per paragraph), so {%p %} / {%tr %} work.
    sources = [("document body", template.patch_xml(template.get_xml()))]
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in (HEADER_RELTYPE, FOOTER_RELTYPE):
            continue
        kind = "header" if rel.reltype == HEADER_RELTYPE else "footer"
        xml = template.xml_to_string(parse_xml(rel.target_part.blob))
        sources.append((f"{kind} ({rel.target_part.partname})", template.patch_xml(xml)))
    for part in document.part.package.parts:
        if part.content_type == FOOTNOTES_TYPE:
            sources.append(("footnotes", template.patch_xml(part.blob.decode("utf-8"))))
    properties = document.core_properties
    for name in ("author", "comments", "identifier", "language", "subject", "title"):
        value = getattr(properties, name) or ""
        if "{" in value:
            sources.append((f"document property '{name}'", value))
    return [(label, re.sub(r"<w:p([ >])", r"\n<w:p\1", source)) for label, source in sources]


def validate_docx_template(*, data: bytes, filename: str, object_type: str) -> ValidationResult:
    """Validate an uploaded .docx template; raise TemplateValidationError or return its variables and warnings."""
    check_docx_package(data=data, filename=filename)
    variables = check_jinja(_docx_sources(data), is_docx=True)
    return ValidationResult(variables=variables, warnings=check_variables(variables, object_type=object_type))


def validate_pptx_template(*, data: bytes, filename: str, object_type: str) -> ValidationResult:
    """Validate an uploaded .pptx template (same package checks, sandbox parse and variable warnings as .docx)."""
    from documents.rendering.pptx import template_sources

    check_pptx_package(data=data, filename=filename)
    try:
        sources = template_sources(data)
    except Exception as exc:  # python-pptx raises many types for odd packages; all mean the same to a person
        raise TemplateValidationError(
            f"The file passed the package checks but cannot be opened as a presentation ({exc}). Save it again "
            "from PowerPoint as .pptx."
        ) from exc
    variables = check_jinja(sources, is_docx=False)
    return ValidationResult(variables=variables, warnings=check_variables(variables, object_type=object_type))


def validate_html_template(*, html_body: str, css: str, object_type: str) -> ValidationResult:
    """Validate a PDF template (HTML body with Jinja, plain CSS)."""
    max_html = conf.get("DOCUMENTS_MAX_HTML_CHARS")
    max_css = conf.get("DOCUMENTS_MAX_CSS_CHARS")
    if not html_body.strip():
        raise TemplateValidationError("The HTML body is empty: write the document's HTML (Jinja allowed).")
    if len(html_body) > max_html:
        raise TemplateValidationError(f"The HTML body has {len(html_body):,} characters; at most {max_html:,}.")
    if len(css) > max_css:
        raise TemplateValidationError(f"The CSS has {len(css):,} characters; at most {max_css:,}.")
    variables = check_jinja([("HTML body", html_body)], is_docx=False)
    warnings = check_variables(variables, object_type=object_type)
    for match in _EXTERNAL_URL.finditer(html_body + "\n" + css):
        url = match.group(1) or match.group(2)
        warnings.append(
            f"{url[:100]} will not be loaded: PDF documents may only use data: URIs and the portal's /static/ files."
        )
    return ValidationResult(variables=variables, warnings=warnings)
