"""The figures behind the web chat's training chart, for the Headteacher and the DSL only: the role
check lives here, beside the training feature, so the web chat only asks and shows.

(A module of its own while handlers/training.py is being split into a package; it belongs in the
package's compliance part once that lands.)"""
from __future__ import annotations

from domain.messages import Person
from handlers.context import Services
from handlers.training import OVERSEER_NAMES, OVERSEER_ROLES, compliance_summary


def chart_figures(person: Person, services: Services) -> tuple[dict | None, str]:
    """(the compliance summary, "") for an overseer, else (None, why not)."""
    if not person.has_role(*OVERSEER_ROLES):
        return None, (f"Only {OVERSEER_NAMES} can see the training chart (role "
                      f"{', '.join(OVERSEER_ROLES[:-1])} or {OVERSEER_ROLES[-1]}).")
    return compliance_summary(services), ""
