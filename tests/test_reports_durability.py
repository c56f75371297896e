"""Durability: nothing acknowledged is ever lost. The server runs as a real process; a report is
completed through the local web chat, the process is killed with SIGKILL right after the
acknowledgement, restarted, and the report and its DSL alert are found."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WHAT = "Durability check: a pupil showed me messages from an adult on TikTok"

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python app.py serve` as a child process on a free port, with its own database."""

    def __init__(self, db_path: Path, log_path: Path):
        self.db_path, self.log_path = db_path, log_path
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Server":
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "Microsoft", "POLICYBOT_REPORT_KEY"))}
        env.update(POLICYBOT_DB=str(self.db_path), NO_PROXY="127.0.0.1", no_proxy="127.0.0.1",
                   PYTHONUNBUFFERED="1")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not become healthy")

    def post(self, body: dict) -> list[dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/local/messages",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())["replies"]

    def say(self, person: str, text: str) -> list[dict]:
        return self.post({"person": person, "text": text})

    def press(self, person: str, action: str, value: dict | None = None) -> list[dict]:
        return self.post({"person": person, "action": action, "value": value or {}})

    def inbox(self, person: str) -> list[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/local/inbox?person={person}", timeout=10) as r:
            return json.loads(r.read())["messages"]

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_files(tmp_path):
    return tmp_path / "policybot.db", tmp_path / "server.log"


@pytest.fixture
def servers(server_files):
    started: list[Server] = []

    def start() -> Server:
        server = Server(*server_files).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def texts(replies: list[dict]) -> str:
    return "\n".join(f"{r.get('title') or ''} {r.get('text', '')}" for r in replies)


def test_report_and_alert_survive_sigkill_right_after_acknowledgement(servers, server_files):
    db_path, log_path = server_files
    server = servers()
    for answer in ("report a concern", "no", "1", "1", WHAT, "Child R, Year 6", "this morning", "TikTok", "none"):
        server.say("clarke", answer)
    ack = server.say("clarke", "send")
    ref = ack[-1]["data"]["report_ref"]
    assert "Received" in texts(ack)
    server.kill()  # no graceful shutdown: whatever was acknowledged must already be on disk

    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM reports WHERE ref = ?", [ref]).fetchone() == ("open",)
        alerts = conn.execute("SELECT person_id, status FROM outbox WHERE key LIKE ?", [f"report:{ref}:alert:%"]
                              ).fetchall()
    assert {person for person, _status in alerts} == {"shah", "reed"}

    again = servers()
    # The alert reaches the DSL: delivered to the local inbox before or after the kill, never lost.
    deadline = time.monotonic() + 15
    seen: list[dict] = []
    while time.monotonic() < deadline and not any(ref in (m.get("title") or "") for m in seen):
        seen += again.inbox("shah")
        time.sleep(0.2)
    assert any(ref in (m.get("title") or "") for m in seen), seen
    assert WHAT not in json.dumps(seen)
    assert ref in texts(again.say("shah", "open reports"))
    assert WHAT in json.dumps(again.press("shah", "report.view", {"ref": ref}))
    assert "waiting to be read" not in texts(again.say("clarke", f"status {ref}"))
    assert WHAT.encode() not in db_path.read_bytes()
    assert "Durability check" not in log_path.read_text(errors="replace")


def test_urgent_alert_survives_sigkill_and_intake_resumes(servers, server_files):
    db_path, log_path = server_files
    server = servers()
    server.say("lewis", "report a concern")
    urgent = server.say("lewis", "yes")
    assert "999" in texts(urgent)
    server.say("lewis", "1")
    server.say("lewis", "1")
    server.say("lewis", WHAT)
    server.kill()

    again = servers()
    assert "Who is involved" in texts(again.say("lewis", "report a concern"))
    for answer in ("Child S", "now", "Snapchat", "none"):
        again.say("lewis", answer)
    ref = again.say("lewis", "send")[-1]["data"]["report_ref"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT urgent, details_complete FROM reports WHERE ref = ?", [ref]).fetchone() == (1, 1)
        urgent_alerts = conn.execute("SELECT person_id FROM outbox WHERE urgent = 1 AND key LIKE ?",
                                     [f"report:{ref}:alert:%"]).fetchall()
    assert {p for (p,) in urgent_alerts} == {"shah", "reed"}
    assert WHAT not in log_path.read_text(errors="replace")
