"""HTTP throughput and latency of the bot's channel endpoints, beside a bare aiohttp handler.

    .venv/bin/python benchmarks/http_bench.py [--requests 2000] [--concurrency 50] [--seconds 20]
                                              [--only teams|slack] [--profile DIR]

Three servers run in turn, each in its own process on 127.0.0.1 (so the load generator does not
share their event loop):
  * bare        an aiohttp app whose POST handler reads the body and answers {"ok": true}
  * /api/messages  the real app (app.build_services + app.build_app), a Teams Activity
                   per request, no MicrosoftAppId (Emulator mode: no token validation); replies go
                   to a fake Bot Framework connector on loopback
  * /slack/events  the same app with Slack on, a signed DM event per request (unique event_id);
                   replies go to a fake Slack Web API on loopback (skipped if bot/slack is absent)
The load generator (aiohttp client, `--concurrency` clients in a closed loop, bounded by request
count and time) runs in this process; the fakes run in a process of their own. Printed:
requests/s, p50/p99 latency, the ratio to the bare handler's requests/s, how many answers reached
the fake within the drain time, and the server's CPU per request (user + system, background turns
included): on a shared machine the steadiest of the numbers. Both channels acknowledge first and answer in the background (Slack's 3-second rule; the
Bot Framework accepts 202), so request latency is the acknowledgement's; `answered/s` is the
end-to-end rate of replies arriving at the fake.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

SLACK_SECRET = "bench-signing-secret"
QUESTIONS = [
    "can I accept a friend request from an ex-pupil?",
    "can I post photos of pupils on the school facebook page?",
    "can I use my personal phone to take photos of pupils?",
    "what should I do if a parent messages me on facebook?",
]


# --- servers (run in a child process) --------------------------------------------------------------

def serve(kind: str, port: int, env: dict) -> None:
    from aiohttp import web

    if kind == "bare":
        async def handler(request: web.Request) -> web.Response:
            await request.read()
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/bare", handler)
    else:
        import logging

        import app as policybot
        from app import build_app

        logging.basicConfig(level=logging.ERROR)
        os.environ.update(env)
        services = policybot.build_services(db_path=env["POLICYBOT_DB"])
        app = build_app(services, env=env)

    profile_path = env.get("BENCH_PROFILE")
    if not profile_path:
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
        return
    import cProfile

    # CPU per request, server side only: the whole serving run under cProfile, dumped at shutdown.
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
    finally:
        profiler.disable()
        profiler.dump_stats(profile_path)


def serve_fakes() -> None:
    """The fake Slack Web API and Bot Framework connector, in their own process: their request
    handling must not steal CPU from the load generator. Speaks one line at a time on stdin/stdout:
    first their URLs, then a count of answers received for each "count" line read."""
    import http.server

    from tests.fake_connector import FakeConnector
    from tests.fake_slack import FakeSlack

    # Slack's Web API keeps connections alive (HTTP/1.1); the test fake speaks HTTP/1.0 unless told.
    http.server.BaseHTTPRequestHandler.protocol_version = "HTTP/1.1"
    # http.server writes a response's headers and body separately: with Nagle's algorithm on, a
    # kept-alive connection then waits out the client's delayed ACK (~40 ms) on every reply,
    # which would cap the channels at the fakes' pace rather than the server's.
    http.server.BaseHTTPRequestHandler.disable_nagle_algorithm = True
    with FakeConnector() as connector, FakeSlack() as slack:
        print(json.dumps({"connector": connector.url, "slack_api": slack.api_url}), flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                teams = len(connector.replies)
                slack_posts = len(slack.calls_to("chat.postMessage"))
                print(json.dumps({"teams": teams, "slack": slack_posts}), flush=True)


class Fakes:
    """Client side of serve_fakes()."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", "fakes"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        urls = json.loads(self.proc.stdout.readline())
        self.connector_url, self.slack_api_url = urls["connector"], urls["slack_api"]

    def count(self, channel: str) -> int:
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())[channel]

    def close(self) -> None:
        self.proc.stdin.close()
        stop_server(self.proc)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(kind: str, env: dict) -> tuple[subprocess.Popen, int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                             "--env", json.dumps(env)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:  # listening yet? (start-up loads the policy knowledge and the database first)
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- requests --------------------------------------------------------------------------------------

def teams_request(connector_url: str, client: int, n: int) -> tuple[bytes, dict]:
    body = {"type": "message", "id": f"act-{client}-{n}", "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": connector_url, "channelId": "msteams",
            "from": {"id": f"29:user{client}", "name": "A Staff", "aadObjectId": f"aad-{client}"},
            "conversation": {"id": f"a:conv-{client}", "conversationType": "personal", "tenantId": "t1"},
            "recipient": {"id": "28:policybot", "name": "Policy Bot"},
            "channelData": {"tenant": {"id": "t1"}}, "locale": "en-GB",
            "text": QUESTIONS[n % len(QUESTIONS)]}
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def slack_request(client: int, n: int) -> tuple[bytes, dict]:
    from tests.fake_slack import signed_headers

    event = {"type": "message", "channel_type": "im", "channel": f"D{client:05d}", "user": f"U{client:05d}",
             "text": QUESTIONS[n % len(QUESTIONS)], "ts": f"1700000000.{client:03d}{n:03d}",
             "event_ts": f"1700000000.{client:03d}{n:03d}"}
    body = json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{client}x{n}", "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0SCHOOL", "user_id": "UBOT", "is_bot": True}],
                       "event": event}).encode()
    return body, signed_headers(SLACK_SECRET, body)


def bare_request(client: int, n: int) -> tuple[bytes, dict]:
    return json.dumps({"type": "message", "text": QUESTIONS[n % len(QUESTIONS)]}).encode(), \
        {"Content-Type": "application/json"}


async def load(url: str, make_request, total: int, concurrency: int, seconds: float) -> dict:
    """`concurrency` clients posting back to back until `total` requests or `seconds` pass."""
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    issued = 0
    deadline = time.monotonic() + seconds

    async def client(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal issued
        sent = 0
        while issued < total and time.monotonic() < deadline:
            issued += 1
            body, headers = make_request(number, sent)
            sent += 1
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, session) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "elapsed": elapsed, "rps": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "statuses": statuses}


def drain(count_answers, expected: int, started: float, timeout: float = 60.0) -> tuple[int, float]:
    """Wait until every acknowledged request has been answered at the fake (or timeout)."""
    deadline = time.monotonic() + timeout
    while count_answers() < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return count_answers(), time.perf_counter() - started


def run_channel(name: str, kind_env: dict, path: str, make_request, count_answers, args) -> dict:
    proc, port = start_server("app", kind_env)
    try:
        # Warm-up: imports, first database writes, connection set-up.
        asyncio.run(load(f"http://127.0.0.1:{port}{path}", lambda c, n: make_request(c + 1000, n),
                         args.concurrency, args.concurrency, 10))
        time.sleep(1.0)
        before = count_answers()
        started, cpu_before = time.perf_counter(), cpu_seconds(proc.pid)
        result = asyncio.run(load(f"http://127.0.0.1:{port}{path}", make_request, args.requests,
                                  args.concurrency, args.seconds))
        accepted = sum(v for k, v in result["statuses"].items() if 200 <= k < 300)
        answered, took = drain(lambda: count_answers() - before, accepted, started)
        # Server CPU per request, background turns included (the whole run up to the last answer):
        # steadier than req/s on a shared machine.
        cpu_ms = (cpu_seconds(proc.pid) - cpu_before) * 1000 / max(1, result["requests"])
        result.update(name=name, answered=answered, answered_rps=answered / took, cpu_ms=cpu_ms)
        return result
    finally:
        stop_server(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--serve", choices=["bare", "app", "fakes"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--env", default="{}")
    parser.add_argument("--profile", metavar="DIR",
                        help="write each server's cProfile stats to DIR/<endpoint>.prof (slows it down)")
    parser.add_argument("--only", choices=["teams", "slack"], help="bare plus this one channel")
    args = parser.parse_args()
    if args.serve == "fakes":
        serve_fakes()
        return 0
    if args.serve:
        serve(args.serve, args.port, json.loads(args.env))
        return 0

    results = []
    def with_profile(env: dict, name: str) -> dict:
        return {**env, "BENCH_PROFILE": str(Path(args.profile).resolve() / f"{name}.prof")} if args.profile else env

    proc, port = start_server("bare", with_profile({}, "bare"))
    try:
        asyncio.run(load(f"http://127.0.0.1:{port}/bare", bare_request, 200, args.concurrency, 10))
        cpu_before = cpu_seconds(proc.pid)
        bare = asyncio.run(load(f"http://127.0.0.1:{port}/bare", bare_request, args.requests,
                                args.concurrency, args.seconds))
        cpu_ms = (cpu_seconds(proc.pid) - cpu_before) * 1000 / max(1, bare["requests"])
        bare.update(name="bare aiohttp handler", answered=None, answered_rps=None, cpu_ms=cpu_ms)
        results.append(bare)
    finally:
        stop_server(proc)

    fakes = Fakes()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            if args.only in (None, "teams"):
                env = {"POLICYBOT_DB": str(Path(scratch) / "teams.db"), "POLICYBOT_TEAMS_EMULATOR": "1",
                       "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
                results.append(run_channel(
                    "POST /api/messages (Teams)", with_profile(env, "teams"), "/api/messages",
                    lambda c, n: teams_request(fakes.connector_url, c, n), lambda: fakes.count("teams"), args))
            if args.only in (None, "slack"):
                env = {"POLICYBOT_DB": str(Path(scratch) / "slack.db"), "SLACK_API_URL": fakes.slack_api_url,
                       "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SLACK_SECRET,
                       "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
                results.append(run_channel(
                    "POST /slack/events (Slack, signed)", with_profile(env, "slack"), "/slack/events",
                    slack_request, lambda: fakes.count("slack"), args))
    finally:
        fakes.close()

    print(f"\n{args.concurrency} concurrent clients, up to {args.requests} requests or {args.seconds:.0f} s each,"
          f" on {os.cpu_count()} CPU(s)\n")
    header = f"{'endpoint':36} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x bare':>7} " \
             f"{'answered':>9} {'answered/s':>10} {'CPU ms/req':>10}  statuses"
    print(header)
    print("-" * len(header))
    for result in results:
        ratio = result["rps"] / bare["rps"]
        answered = "-" if result["answered"] is None else str(result["answered"])
        answered_rps = "-" if result["answered_rps"] is None else f"{result['answered_rps']:.0f}"
        print(f"{result['name']:36} {result['requests']:8d} {result['rps']:8.0f} {result['p50']:8.1f} "
              f"{result['p99']:8.1f} {ratio:7.2f} {answered:>9} {answered_rps:>10} {result['cpu_ms']:10.2f}"
              f"  {result['statuses']}")
    print("\nGoal: each channel >= 0.30x the bare handler's req/s and p99 < 50 ms.")
    for result in results[1:]:
        verdict = "met" if result["rps"] >= 0.3 * bare["rps"] and result["p99"] < 50 else "NOT met"
        print(f"  {result['name']}: {verdict}")
    # Closed loop: each client sends its next request when the last one is answered, so mean
    # latency = clients / throughput (Little's law) and CPU per request bounds throughput.
    print(f"\nWith {args.concurrency} closed-loop clients a mean latency under 50 ms needs"
          f" >= {args.concurrency / 0.05:.0f} req/s, i.e. under {1000 / (args.concurrency / 0.05):.2f} ms"
          f" of server CPU per request (one event loop, one core).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
