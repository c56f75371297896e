"""Storage faults as a person (and an HTTP client) is told about them: which problem it is, and
the plain words for it. Adapters catch STORAGE_FAULTS from here, never from storage/ itself."""
from __future__ import annotations

from storage.errors import STORAGE_FAULTS

__all__ = ["GENERIC_FAULT", "STORAGE_FAULTS", "STORAGE_MESSAGES", "storage_problem"]

GENERIC_FAULT = ("Sorry, something went wrong on my side and nothing was changed. "
                 "Please try again, or tell the IT manager if it keeps happening.")
STORAGE_MESSAGES = {
    "locked": ("Sorry, I couldn't save that: the database is busy (another program is using it). "
               "Nothing was changed. Please try again in a minute."),
    "full": ("Sorry, I couldn't save that: the server's storage is full. Nothing was changed. "
             "Please try again later, and tell the IT manager so they can free some space."),
    "read-only": ("Sorry, I couldn't save that: the database can't be written to at the moment. "
                  "Nothing was changed. Please tell the IT manager."),
    "unavailable": ("Sorry, I couldn't reach the database just now. Nothing was changed. "
                    "Please try again in a minute; if it keeps happening, tell the IT manager."),
}


def storage_problem(error: Exception) -> str | None:
    """'locked', 'full', 'read-only' or 'unavailable' for the storage faults a person can be told
    about; else None."""
    message = str(error).lower()
    if message.startswith("database unavailable"):  # a server database gone away (StorageFault)
        return "unavailable"
    if "locked" in message or "busy" in message:
        return "locked"
    if "full" in message:  # "database or disk is full"
        return "full"
    if "readonly" in message or "read-only" in message:
        return "read-only"
    return None
