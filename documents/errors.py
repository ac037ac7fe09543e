"""Exception types of the documents app; each message says what a person can do about it.

No Django imports here: the rendering worker process imports these without setting Django up.
"""

from __future__ import annotations


class DocumentError(Exception):
    """Base class: an error a person can act on; `str(error)` is the message to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class TemplateValidationError(DocumentError):
    """An uploaded or edited template was refused (not a real .docx, unsafe, or invalid Jinja)."""


class TemplateRenderError(DocumentError):
    """A template could not be turned into a document with the data given (or hit a rendering limit)."""


class ContextBuildError(DocumentError):
    """The data for a document could not be gathered (no context builder, unknown records...)."""


class DocumentGenerationError(DocumentError):
    """Generation failed for a reason other than the template or the data (storage, unexpected failure)."""
