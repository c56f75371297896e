"""The soak's server under test: a real `python app.py serve` in its own process on loopback, with
its own school settings and a roster of one sample person per client (benchmarks/soak.py)."""
from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from storage.crypto import KEY_ENV
from tests.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent

SLACK_SECRET = "soak-signing-secret"  # the server's Slack signing secret; the clients sign with it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def soak_person(client: int) -> str:
    return f"soak{client:03d}"


def write_school(folder: Path, clients: int) -> Path:
    """data/school.toml's settings with a roster of the sample staff plus one person per client
    (every third a poster) and no training records (so no reminders add noise)."""
    roster = folder / "roster.csv"
    with open(ROOT / "data" / "roster.csv", newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    columns = list(rows[0].keys())
    for client in range(clients):
        person = soak_person(client)
        rows.append({**{c: "" for c in columns}, "id": person, "name": f"Soak Tester {client:03d}",
                     "email": f"{person}@soak.example.org",
                     "roles": "poster;staff" if client % 3 == 0 else "staff", "job_title": "Class teacher",
                     "start_date": "2020-09-01"})
    with open(roster, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    data = ROOT / "data"
    config = folder / "school.toml"
    config.write_text("\n".join([
        'school = "Calmore Junior School"', 'short_code = "CJS"', 'timezone = "Europe/London"',
        f'policy_file = "{ROOT / "policy" / "calmore-social-media-policy.txt"}"',
        f'lexicon_file = "{ROOT / "policy" / "lexicon.toml"}"',
        f'examples_file = "{ROOT / "policy" / "examples.toml"}"',
        f'roster_file = "{roster}"', f'consent_file = "{data / "consent_register.csv"}"',
        f'holidays_file = "{data / "holidays.toml"}"', "working_hours = [8, 17]", ""]), encoding="utf-8")
    return config


@dataclass
class RunningServer:
    process: subprocess.Popen
    port: int
    database: str  # a SQLite file or a postgresql:// URL
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(folder: Path, clients: int, slack: FakeSlack | None, database: str,
                 report_key: str | None) -> RunningServer:
    """`database` is a SQLite file or a postgresql:// URL; a server database takes its report key
    from the environment (`report_key`), a SQLite file from a key file beside it."""
    config = write_school(folder, clients)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "Microsoft", "POLICYBOT_"))}
    env.update(POLICYBOT_DB=database, POLICYBOT_CONFIG=str(config), POLICYBOT_TEAMS_EMULATOR="1",
               NO_PROXY="127.0.0.1", no_proxy="127.0.0.1", PYTHONUNBUFFERED="1")
    if report_key:
        env[KEY_ENV] = report_key
    else:
        env["POLICYBOT_REPORT_KEY_FILE"] = str(folder / "report.key")
    if slack is not None:
        env.update(SLACK_BOT_TOKEN="xoxb-soak", SLACK_SIGNING_SECRET=SLACK_SECRET, SLACK_API_URL=slack.api_url)
    log_path = folder / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(process, port, database, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited early:\n" + log_path.read_text(errors="replace")[-3000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start within 60 s")

