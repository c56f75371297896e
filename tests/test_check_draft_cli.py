"""`python app.py check-draft` as outside checks run it: the held-out drafts, stdin, platforms, edges.

The held-out slice of tests/drafts_labelled.toml was never used to tune the checker; it runs only here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = [d for d in tomllib.loads((ROOT / "tests" / "drafts_labelled.toml").read_text(encoding="utf-8"))["draft"]
            if d["split"] == "heldout"]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "check-draft", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT, env=env)


def run_json(*args: str, stdin: str | None = None) -> dict:
    done = run_cli(*args, "--json", stdin=stdin)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def assert_contract(data: dict) -> None:
    assert set(data) >= {"ok", "platform", "findings"}
    for finding in data["findings"]:
        assert set(finding) == {"rule", "section", "clause", "severity", "message", "excerpt"}
        assert finding["severity"] in ("block", "warn")
    assert data["ok"] is (not any(f["severity"] == "block" for f in data["findings"]))


def test_held_out_slice_is_big_enough():
    assert len(HELD_OUT) >= 15
    assert sum(1 for d in HELD_OUT if not d["expect"]) >= 5 and sum(1 for d in HELD_OUT if d["expect"]) >= 5


def test_held_out_drafts_through_the_cli():
    missed, false_blocks = [], []
    compliant = [d for d in HELD_OUT if not d["expect"]]
    for draft in HELD_OUT:
        args = [draft["text"], "--platform", draft.get("platform", "facebook")]
        if draft.get("pictured"):
            args += ["--pictured", ", ".join(draft["pictured"])]
        data = run_json(*args)
        assert_contract(data)
        assert data["platform"] == draft.get("platform", "facebook")
        blocked = {f["rule"] for f in data["findings"] if f["severity"] == "block"}
        if not set(draft["expect"]) <= blocked:
            missed.append((draft["id"], sorted(blocked)))
        if not draft["expect"] and blocked:
            false_blocks.append((draft["id"], sorted(blocked)))
    assert missed == []
    assert (len(compliant) - len(false_blocks)) / len(compliant) >= 0.95, false_blocks


def test_stdin_mode_reads_the_whole_draft():
    data = run_json(stdin="Our Christmas fair raised £900.\nHappy birthday Jack!\n")
    assert not data["ok"] and data["findings"][0]["rule"] == "message_to_person"


def test_instagram_cites_section_2_2():
    data = run_json("Vote Labour on Thursday!", "--platform", "instagram")
    assert data["platform"] == "instagram"
    assert [(f["section"], f["clause"]) for f in data["findings"]] == [("2.2", "2.2-9")]


def test_facebook_is_the_default_and_cites_2_1():
    data = run_json("Vote Labour on Thursday!")
    assert data["platform"] == "facebook" and data["findings"][0]["clause"] == "2.1-9"


@pytest.mark.parametrize("stdin", ["", "   \n\n"])
def test_empty_text_gives_valid_json_and_a_clear_message(stdin):
    data = run_json(stdin=stdin)
    assert_contract(data)
    assert data["findings"] == [] and "no draft text" in data["message"]
    plain = run_cli(stdin=stdin)
    assert plain.returncode == 0 and "no draft text" in plain.stdout


def test_100_kb_draft():
    text = ("Year 5 had a wonderful day at the science museum and learned about forces. " * 1400)[:100_000]
    data = run_json(stdin=text + "\nDear Mrs Smith, see you soon.")
    assert_contract(data)
    assert len(text) == 100_000


def test_unicode_round_trips():
    data = run_json("Zoë's café trip 🎉 — happy birthday Zoë!", "--platform", "instagram")
    assert not data["ok"]
    assert "Zoë" in data["findings"][0]["excerpt"]


def test_plain_summary_explains_blocks_in_words():
    done = run_cli("Mario's Pizzeria: 20% off family meals, mention this post!")
    assert done.returncode == 0
    assert "MUST FIX" in done.stdout and "policy section 2.1" in done.stdout and "20% off" in done.stdout
