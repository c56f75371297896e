"""Policy Bot's composition root: reads config, builds storage, knowledge, handlers and adapters.

    python app.py                      serve (the bot's main job)
    python app.py serve [--host H] [--port P]
    python app.py chat [--as USER]
    python app.py ask [QUESTION] [--json]
    python app.py check-draft [TEXT] [--platform facebook|instagram] [--json]
    python app.py setup POLICY_FILE [--folder DIR] [--name "…"] [--short-code XYZ] [--force]
    python app.py check [--no-self-test]

The command-line contract is in ../shared/DESIGN.md; keep it stable.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # so `python app.py` works from any folder without installing
    sys.path.insert(0, str(ROOT))

from handlers.context import Config, ConfigError, Services  # noqa: E402

# --- what Policy Bot is made of ---------------------------------------------------------------
# Every feature, channel and stored aggregate, named here as the module that holds it: "where is
# X handled" is this list and one more file. A module missing from disk stops the start at once.

import bot.local.web  # noqa: E402
import bot.meta  # noqa: E402
import bot.slack  # noqa: E402
import bot.teams  # noqa: E402
from handlers import admin, ask, drafts, evidence, reports, training  # noqa: E402
from storage import (attachments, conversation_refs, outbox, publishing, questions, roster, state,  # noqa: E402
                     training as training_records)
from storage import drafts as draft_records  # noqa: E402
from storage import reports as report_records  # noqa: E402

# Conversation features, in precedence order: safety first (concern reports), then the flows that
# change records, then questions. Each offers TEXT_ROUTES, ACTIONS, FLOWS and TICKS (handlers/router.py).
FEATURES = (
    reports,    # concern reports: the intake, the DSL's case handling (open reports, view, close), escalation
    drafts,     # post drafts: the pre-check, photos, approval by the Deputy Head, publishing, reminders; who may post
    training,   # training and policy acknowledgement: records, reminders, the compliance view
    admin,      # help, who am I, away / back, the policy-gap register
    evidence,   # files sent outside any flow that keeps them: said so, nothing stored
    ask,        # questions about the policy, answered from knowledge/ (verdict, clause, see-also)
)

# Chat channels, each with mount(app, hub, env) (bot/server.py); on or off by their settings.
CHANNELS = (
    bot.local.web,  # the local web chat at /, always on (this computer only)
    bot.slack,      # Slack: Events API or Socket Mode
    bot.teams,      # Microsoft Teams (Bot Framework)
    bot.meta,       # publishing approved drafts to Facebook and Instagram, when configured
)

# One migration set per stored aggregate, applied in this order on every start.
MIGRATIONS = (
    roster.migrations,             # people, roles and linked platform accounts
    state.migrations,              # guided conversations under way
    outbox.migrations,             # proactive messages waiting to be delivered
    conversation_refs.migrations,  # Teams' conversation references
    questions.migrations,          # questions asked, answers given, the policy-gap register
    draft_records.migrations,      # post drafts and their decisions
    report_records.migrations,     # concern reports, chronology and audit (sealed)
    training_records.migrations,   # training records and reminders sent
    attachments.migrations,        # evidence files and draft photos (sealed)
    publishing.migrations,         # approved drafts' publication to Facebook and Instagram
)

# Commands beyond serve, chat, ask and the reports below: setting a school up, and operations.
from commands import operations, school as school_commands  # noqa: E402

log = logging.getLogger("policybot")


def open_database(path: str | Path | None = None):
    """The database at `path` (or POLICYBOT_DB), migrated to this version's schema."""
    from storage import database

    return database.open_database(path, MIGRATIONS)


def build_app(services: Services, env=None):
    """The web application serving every channel in CHANNELS (tests and benchmarks use this too)."""
    from bot.server import build_app as build_web_app

    return build_web_app(services, CHANNELS, env)


def load_knowledge(config: Config):
    from knowledge.answering import Answerer

    return Answerer.load(config.policy_file, config.lexicon_file, config.examples_file)


def build_services(db_path: str | None = None, config: Config | None = None, clock=None,
                   knowledge=None) -> Services:
    """Everything the handlers need, wired once. Tests call this with their own file and clock."""
    config = config or Config.load(os.environ.get("POLICYBOT_CONFIG"))
    db = open_database(db_path)
    if config.roster_file.exists():
        roster.load_roster_csv(db, config.roster_file)
    services = Services(db=db, knowledge=knowledge or load_knowledge(config), config=config, features=FEATURES)
    if clock is not None:
        services.clock = clock
    return services


# --- commands ---------------------------------------------------------------------------------

def cmd_ask(args) -> int:
    config = Config.load(os.environ.get("POLICYBOT_CONFIG"))
    knowledge = load_knowledge(config)
    if args.question:
        questions = [" ".join(args.question)]
    else:
        questions = (line.rstrip("\r\n") for line in sys.stdin)
        args.json = True  # the contract: stdin mode always writes one JSON object per line
    for question in questions:
        answer = knowledge.answer(question)
        if args.json:
            sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            from handlers.ask import render_answer

            sys.stdout.write(render_answer(answer).plain() + "\n")
        sys.stdout.flush()
    return 0


def cmd_check_draft(args) -> int:
    from knowledge.consent import ConsentRegister
    from knowledge.draft_check import channels_of, check_draft, load_policy

    # The configured school's policy and register, as the chat flow (handlers/drafts.py) uses them.
    config = Config.load(os.environ.get("POLICYBOT_CONFIG"))
    policy = load_policy(str(config.policy_file))
    channels = channels_of(policy)
    if args.platform and args.platform.strip().lower() not in channels + ["both", "all"]:
        print(f"Unknown platform {args.platform!r}: this school's policy names {', '.join(channels)} (or both).",
              file=sys.stderr)
        return 2
    text = " ".join(args.text) if args.text else sys.stdin.read()
    register = ConsentRegister.from_csv(config.consent_file) if config.consent_file.exists() else ConsentRegister([])
    pictured = [name.strip() for name in (args.pictured or "").split(",") if name.strip()]
    result = check_draft(text, platform=args.platform, consent=register, pictured=pictured, policy=policy)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result.summary())
    return 0


def cmd_chat(args) -> int:
    from bot.local.terminal import run_terminal_chat

    from bot.logging_setup import configure_logging

    # As `serve`: JSON lines on stderr that name an error's type, never its message (it can quote input).
    configure_logging(os.environ.get("POLICYBOT_LOG_LEVEL", "INFO"))
    services = build_services()
    load_training_records(services)
    return run_terminal_chat(services, args.as_user, sys.stdin, sys.stdout)


def load_training_records(services) -> None:
    """On start: the training records in data/training.csv, if present and none are recorded yet."""
    from handlers.training import load_sample_records

    load_sample_records(services)


def cmd_training_report(args) -> int:
    """Training compliance for the Headteacher and DSL: a summary, or one CSV row per person and item."""
    from handlers.training import ITEM_TITLES, compliance_csv, compliance_summary

    services = build_services(knowledge=object())  # the report needs no answer engine
    load_training_records(services)
    if args.csv:
        sys.stdout.write(compliance_csv(services))
        return 0
    summary = compliance_summary(services)
    print(f"Training compliance on {summary['as_of']} for {summary['people']} people")
    for item, figures in summary["items"].items():
        print(f"  {ITEM_TITLES[item]:<24} {figures['compliant']:>4}/{figures['people']:<4} compliant "
              f"({figures['percent_compliant']}%), {figures['due_soon']} due soon, {figures['overdue']} overdue, "
              f"{figures['no_record']} no record")
    for row in summary["overdue"]:
        late = f"overdue by {row['days_overdue']} days" if row["state"] == "overdue" else "no record"
        print(f"  overdue: {row['name']} - {ITEM_TITLES[row['item']]} - {late}")
    return 0


class CommandError(Exception):
    """A problem the person at the command line can fix; main() prints it on one line and exits 2."""


def _write_output(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8", newline="")
    except OSError as error:  # no such folder, no permission, a folder of that name, a full disk
        reason = error.strerror or type(error).__name__
        raise CommandError(f"Could not write {path}: {reason}.") from None


def cmd_gaps(args) -> int:
    """The policy-gap register for the annual review: a table, or CSV with --csv."""
    from storage.questions import gap_register, gap_register_csv

    db = open_database()
    gaps = gap_register(db)
    if args.csv:
        text = gap_register_csv(gaps)
    elif not gaps:
        text = "No policy gaps recorded yet.\n"
    else:
        text = "".join(f"{gap.times_asked:>4}  {gap.first_asked[:10]}  {gap.last_asked[:10]}  "
                       f"{gap.reason:<27}  {gap.question}\n" for gap in gaps)
    if args.output:
        _write_output(args.output, text)
        print(f"Wrote {len(gaps)} gap(s) to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def preflight(config: Config) -> list[str]:
    """The configuration's errors, for the server to refuse to start on (warnings are for `check`)."""
    from handlers.config_check import check_configuration

    return check_configuration(config).errors


def cmd_serve(args) -> int:
    from bot.server import run_server

    from bot.logging_setup import configure_logging

    config = Config.load(os.environ.get("POLICYBOT_CONFIG"))
    errors = preflight(config)
    if errors:
        for error in errors:
            print(f"Policy Bot will not start: {error}", file=sys.stderr)
        print("Run `python app.py check` for the whole report.", file=sys.stderr)
        return 2
    configure_logging(os.environ.get("POLICYBOT_LOG_LEVEL", "INFO"))  # JSON lines on stderr
    services = build_services(config=config)
    load_training_records(services)
    port = args.port if args.port is not None else int(os.environ.get("PORT") or 3978)
    run_server(services, CHANNELS, host=args.host, port=port)
    return 0


def cmd_package_teams(args) -> int:
    from bot.teams_package import write_teams_package

    try:
        path = write_teams_package(Path(args.output), draft=args.draft,
                                   template=Path(args.manifest) if args.manifest else None)
    except (ValueError, OSError) as error:  # placeholders, a bad app id, an unreadable template
        print(f"package-teams: {error}", file=sys.stderr)
        return 1
    if args.draft:
        print(f"Wrote {path}: a draft for trying out; replace the placeholders above before the real upload.")
    else:
        print(f"Wrote {path}: upload it in Teams admin centre > Manage apps > Upload.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description="Policy Bot: the school's social media policy, in chat.")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the bot: Slack, Teams and the local web chat on one server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", help="chat with the bot in the terminal as a roster user")
    chat.add_argument("--as", dest="as_user", default="staff", help="roster id, email or name (default: staff)")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", help="answer one question (or one per stdin line)")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)

    check = sub.add_parser("check-draft", help="pre-check a post draft against the policy")
    check.add_argument("text", nargs="*")
    check.add_argument("--platform", default=None,
                       help="one of the policy's official channels (facebook|instagram for Calmore); default the first")
    check.add_argument("--json", action="store_true")
    check.add_argument("--pictured", default="", help="pupils pictured, comma separated (checked for consent)")
    check.set_defaults(func=cmd_check_draft)

    school_commands.add_commands(sub, load_knowledge)

    gaps = sub.add_parser("gaps", help="the policy-gap register (questions the policy did not answer well)")
    gaps.add_argument("--csv", action="store_true", help="write CSV for a spreadsheet")
    gaps.add_argument("--output", default=None, help="write to this file instead of the screen")
    gaps.set_defaults(func=cmd_gaps)

    report = sub.add_parser("training-report", help="training compliance (Headteacher and DSL view)")
    report.add_argument("--csv", action="store_true", help="one CSV row per person and item")
    report.set_defaults(func=cmd_training_report)

    package = sub.add_parser("package-teams", help="write the Teams app package (zip) to upload")
    package.add_argument("--output", default="policybot-teams.zip")
    package.add_argument("--manifest", default=None, help="the manifest template (default: manifest.json)")
    package.add_argument("--draft", action="store_true",
                         help="write the package even though the app id or links are placeholders")
    package.set_defaults(func=cmd_package_teams)

    operations.add_commands(sub, open_database)
    return parser


def main(argv: list[str] | None = None) -> int:
    from storage.errors import DatabaseSetupError, StorageFault

    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["serve", *(argv or [])])
    try:
        return args.func(args)
    except (DatabaseSetupError, StorageFault) as problem:  # a setting to fix, not a bug: no traceback
        print(f"Policy Bot cannot use its database: {problem}", file=sys.stderr)
        return 2
    except CommandError as problem:
        print(problem, file=sys.stderr)
        return 2
    except ConfigError as problem:
        print(f"Policy Bot cannot use its configuration: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
