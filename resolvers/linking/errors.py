"""The linking package's exceptions: one root, with the context a caller needs to act."""

from __future__ import annotations


class LinkingError(Exception):
    """Root of what the linking engine raises."""


class SpecError(LinkingError):
    """The link specification does not fit the data (a column it names is absent, say)."""


class InputError(LinkingError):
    """The mentions cannot be linked as given (duplicate ids, say)."""

    def __init__(self, message: str, *, entity_type: str = "", ids: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.entity_type = entity_type
        self.ids = ids
