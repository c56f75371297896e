"""Setting a school up and checking what the bot understood of it (docs/SWAP_POLICY.md).

    python app.py setup POLICY_FILE [--folder DIR] [--name "…"] [--short-code XYZ] [--force]
    python app.py check [--no-self-test]
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from handlers.context import Config

def cmd_setup(args) -> int:
    """A new school's folder from its policy document (.docx, .pdf or .txt); see docs/SWAP_POLICY.md."""
    from handlers.school_setup import SetupError, set_up_school

    try:
        result = set_up_school(args.policy_file, args.folder, name=args.name, code=args.short_code, force=args.force)
    except SetupError as refusal:
        print(f"Not set up: {refusal}", file=sys.stderr)
        return 1
    folder = result.folder.resolve()
    print(f"Set up {result.school} ({result.short_code}) in {folder}:")
    print(f"  policy.txt            {len(result.policy.sections)} sections, {len(result.policy.clauses)} rules and "
          "items read from the document (check them with `app.py check`)")
    print(f"  school.toml           headteacher: {result.headteacher or 'not named in the policy'}; review due: "
          f"{result.renewal_due or 'not stated in the policy'}")
    print("  roster.csv            add your staff, one row each (the commented row shows how)")
    print("  consent_register.csv  add each pupil's photo consent (or your MIS export with these columns)")
    print("  holidays.toml         this school year's usual English holidays: replace with your term dates")
    for note in result.notes:
        print(f"  ! {note}")
    print("Next:")
    print(f"  export POLICYBOT_CONFIG={folder / 'school.toml'}")
    print(f"  export POLICYBOT_DB={folder / 'policybot.db'}")
    print("  python app.py check")
    return 0


def cmd_check(args) -> int:
    """What the bot understood of the policy and configuration, every warning and error, and a self-test."""
    from handlers.config_check import check_configuration

    config = Config.load(os.environ.get("POLICYBOT_CONFIG"))
    report = check_configuration(config)
    print(f"Configuration: {os.environ.get('POLICYBOT_CONFIG') or 'the built-in sample school (POLICYBOT_CONFIG unset)'}")
    for line in report.understood:
        print(line)
    if report.policy is not None and not args.no_self_test and not report.errors:
        _print_self_test(config, report, args.load_knowledge)
    print()
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    verdict = "errors: the bot will not start until they are fixed" if report.errors else "no errors"
    print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) — {verdict}.")
    return 1 if report.errors else 0


def _print_self_test(config: Config, report, load_knowledge: Callable) -> None:
    from knowledge.self_test import run_self_test

    knowledge = load_knowledge(config)
    results = run_self_test(knowledge.policy, knowledge)
    print()
    print(f"Self-test: {len(results)} questions written from the policy's own rules, answered by the bot")
    for result in results:
        mark = "ok  " if result.passed else ("VERDICT" if result.right_rule else "MISS")
        lines = result.text.split("\n")
        # Under a disclosure's offer to take a report, the answer is the next line.
        first_line = lines[1] if result.report_suggested and len(lines) > 1 else lines[0]
        print(f"  {mark} {result.question.question}")
        print(f"       → {first_line[:220]}")
    right = sum(r.passed for r in results)
    print(f"  {right} of {len(results)} answered from the rule they were written from, with its verdict.")
    misses = [r for r in results if not r.right_rule]
    if misses:
        report.warnings.append(f"self-test: {len(misses)} of {len(results)} questions were not answered from their "
                               f"own rule ({', '.join(r.question.rule for r in misses)}); example phrasings for "
                               "those rules (examples_file) help")
    wrong_verdicts = [r for r in results if r.contradicts and r.right_rule]
    if wrong_verdicts:
        report.warnings.append(f"self-test: {len(wrong_verdicts)} answer(s) quoted the right rule with the opposite "
                               f"verdict ({', '.join(r.question.rule for r in wrong_verdicts)}); read them above")


def preflight(config: Config) -> list[str]:
    """The configuration's errors, for the server to refuse to start on (warnings are for `check`)."""
    from handlers.config_check import check_configuration

    return check_configuration(config).errors


def add_commands(sub: argparse._SubParsersAction, load_knowledge: Callable) -> None:
    """setup and check; `load_knowledge` is app.py's (the self-test answers with the configured engine)."""
    setup = sub.add_parser("setup", help="a new school's folder from its policy document (.docx, .pdf or .txt)")
    setup.add_argument("policy_file", help="the school's social media policy: .docx, .pdf or .txt")
    setup.add_argument("--folder", default=None, help="where to write the school's files (default schools/<name>)")
    setup.add_argument("--name", default=None, help="the school's name, if the policy's first line does not give it")
    setup.add_argument("--short-code", default=None, help="2-6 letters for concern report references (e.g. OPS)")
    setup.add_argument("--force", action="store_true", help="replace the files a previous setup wrote there")
    setup.set_defaults(func=cmd_setup)

    check_config = sub.add_parser("check", help="what the bot understood of the policy and configuration; warnings")
    check_config.add_argument("--no-self-test", action="store_true", help="skip the ten generated questions")
    check_config.set_defaults(func=cmd_check, load_knowledge=load_knowledge)
