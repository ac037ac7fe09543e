"""Rendering of document templates: sandboxed Jinja, DOCX (docxtpl), PDF (WeasyPrint), charts, worker isolation.

Nothing in this package imports Django, so the worker process that runs a render stays small and has no access
to the database or the settings' secrets. `documents.rendering.jobs` is the Django-aware entry point.
"""
