"""The errors storage raises: one line each, naming the problem, never holding message text.

Each is named for the condition it reports (`NotFound`, `StorageUnavailable`), as
the callers and the issue name them, hence no `Error` suffix.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose."""


class NotFound(StorageError):  # noqa: N818
    """No row has the id asked for."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"no {kind} with id {key}")
        self.kind = kind
        self.key = key


class StorageUnavailable(StorageError):  # noqa: N818
    """The database cannot be reached, opened or written (missing, locked, refused)."""


class SchemaOutOfDate(StorageError):  # noqa: N818
    """The database's schema is not the one this code needs; the message names the command."""


class ReasonRequired(StorageError, ValueError):  # noqa: N818
    """An action that must be justified was asked for without a good enough reason."""


class QuarantineKeyError(StorageError):
    """A quarantine key is malformed, or no configured key opens a stored original."""


class OriginalUnavailable(StorageError):  # noqa: N818
    """No original is kept for this incident: quarantine was off, or it expired."""
