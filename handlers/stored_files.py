"""One stored file for the person asking, whatever it belongs to: concern-report evidence (the report's
own access rules, handlers.reports) or a training certificate (handlers.training.certificates).
Adapters that hand a file over (the web chat's download, Teams' file upload) ask here, so every
channel applies the same checks and writes the same audit row."""
from __future__ import annotations

from handlers.context import Services
from domain.messages import Incoming, Reply
from storage import attachments


def authorised_file(incoming: Incoming, services: Services, attachment_id: object,
                    action: str = "download_file") -> tuple[dict | None, list[Reply]]:
    """(the file with its bytes, []) for someone who may have it, else (None, the refusal)."""
    try:
        owner = attachments.owner_of(services.db, int(attachment_id))
    except (TypeError, ValueError):
        owner = None
    if owner is not None and owner[0] == attachments.TRAINING:
        from handlers.training.certificates import authorised_certificate

        return authorised_certificate(incoming, services, attachment_id, action.replace("file", "certificate"))
    from handlers.reports import authorised_file as authorised_evidence

    return authorised_evidence(incoming, services, attachment_id, action)
