"""Storage: incidents and what was done about them, quarantined originals, audit trail.

Use one `Database.transaction()` per unit of work and the repository functions
inside it; they flush, the transaction commits. At start, `open_database`
brings the schema up to date (or names the command that will).
"""

from bot.storage.database import Database
from bot.storage.errors import (
    NotFound,
    OriginalUnavailable,
    QuarantineKeyError,
    ReasonRequired,
    SchemaOutOfDate,
    StorageError,
    StorageUnavailable,
)
from bot.storage.incidents import IncidentFilter
from bot.storage.migrate import ensure_schema, open_database
from bot.storage.models import (
    ActionKind,
    AuditAction,
    HoldStatus,
    Incident,
    IncidentStatus,
    Outcome,
)
from bot.storage.quarantine import Quarantine
from bot.storage.retention import RetentionPolicy

__all__ = [
    "ActionKind",
    "AuditAction",
    "Database",
    "HoldStatus",
    "Incident",
    "IncidentFilter",
    "IncidentStatus",
    "NotFound",
    "OriginalUnavailable",
    "Outcome",
    "Quarantine",
    "QuarantineKeyError",
    "ReasonRequired",
    "RetentionPolicy",
    "SchemaOutOfDate",
    "StorageError",
    "StorageUnavailable",
    "ensure_schema",
    "open_database",
]
