"""What every handler is given: the database, the policy knowledge, the school's settings,
a clock (injectable for tests) and the way to notify someone proactively."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # sqlite_utils pulls in heavy imports; `ask` must start fast without it
    from storage.store import Store

from domain.messages import Notification

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POLICY_OVERRIDE_ENV = "POLICYBOT_POLICY"


class ConfigError(Exception):
    """The school's configuration cannot be used; the message says which file and why."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Config:
    """School settings from data/school.toml; every path can be swapped for another school's."""

    school: str = "Calmore Junior School"
    short_code: str = "CJS"
    timezone: str = "Europe/London"
    policy_file: Path = PROJECT_ROOT / "policy" / "calmore-social-media-policy.txt"
    lexicon_file: Path | None = PROJECT_ROOT / "policy" / "lexicon.toml"
    examples_file: Path | None = PROJECT_ROOT / "policy" / "examples.toml"
    roster_file: Path = PROJECT_ROOT / "data" / "roster.csv"
    consent_file: Path = PROJECT_ROOT / "data" / "consent_register.csv"
    holidays_file: Path = PROJECT_ROOT / "data" / "holidays.toml"
    working_hours: tuple[int, int] = (8, 17)
    report_escalation_minutes: int = 15
    # Concern reports one person may file in an hour with an alert each; past it, each is still filed
    # and their alerts come as one summary an hour (handlers/reports/limits.py).
    report_alerts_per_hour: int = 5
    training_link: str = "https://www.example.org/safeguarding-training"
    policy_link: str = "https://www.example.org/calmore-social-media-policy"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Config":
        """The school's settings from `path` (POLICYBOT_CONFIG), else data/school.toml.

        A file named explicitly must exist and be TOML: a mistyped POLICYBOT_CONFIG would otherwise
        run another school's bot in silence. The lexicon and example phrasings are the named
        school's own: a school.toml that names none has none (never the embedded school's)."""
        explicit = bool(path)
        path = Path(path) if path else PROJECT_ROOT / "data" / "school.toml"
        config = cls()
        if not path.exists():
            if explicit:
                raise ConfigError(f"the configuration file {path} does not exist (POLICYBOT_CONFIG)")
            return config.with_policy_override(os.environ.get(POLICY_OVERRIDE_ENV))
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as problem:
            raise ConfigError(f"{path} cannot be read as TOML: {problem}") from None
        config.lexicon_file = config.examples_file = None
        config.extra["config_file"] = path.resolve()
        base = path.parent
        for key, value in raw.items():
            if key.endswith("_file"):
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(f"{path}: {key} must be a file name in quotes")
                value = (base / value).resolve()
            elif key == "working_hours":
                if not (isinstance(value, list) and len(value) == 2 and all(isinstance(h, int) for h in value)):
                    raise ConfigError(f"{path}: working_hours must be two hours, e.g. [8, 17]")
                value = tuple(value)
            if hasattr(config, key) and key != "extra":
                setattr(config, key, value)
            else:
                config.extra[key] = value
        return config.with_policy_override(os.environ.get(POLICY_OVERRIDE_ENV))

    def with_policy_override(self, policy_file: str | None) -> "Config":
        """POLICYBOT_POLICY: another policy text for every command, with no lexicon or example
        phrasings written for it (they belong to the configured school's policy, not this one)."""
        if policy_file and policy_file.strip():
            self.policy_file = Path(policy_file.strip()).resolve()
            self.lexicon_file = None
            self.examples_file = None
        return self


@dataclass
class Services:
    db: "Store"
    knowledge: Any  # knowledge.answering.Answerer
    config: Config = field(default_factory=Config)
    clock: Callable[[], datetime] = utc_now
    # Set by the server: wakes the delivery loop so a queued notification goes out at once.
    wake_delivery: Callable[[], None] = lambda: None
    # The feature modules the router serves, in precedence order: app.py's FEATURES.
    features: tuple = ()
    # The platforms whose school account publishes approved drafts by itself ("facebook",
    # "instagram"): set by bot.meta when its settings are in the environment; else posted by hand.
    publishing: frozenset[str] = frozenset()

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo(self.config.timezone)).date()

    def database_state(self) -> str:
        """'ok', or what stops the bot saving: 'locked', 'full' or 'unavailable' (for /healthz)."""
        from storage.database import database_state

        return database_state(self.db)

    def notify(self, notification: Notification) -> bool:
        """Queue a proactive message in the outbox (inside the caller's transaction, if any)."""
        from storage import outbox

        queued = outbox.enqueue(self.db, notification, self.now())
        self.wake_delivery()
        return queued
