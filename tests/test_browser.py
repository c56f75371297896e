"""The local web chat in headless Chromium (Debian's, at tests/browsers.py's path, driven by Playwright).

One test runs the real `python app.py serve` as a subprocess and chats as a newcomer would; one runs
the app in-process on a thread so it can add a test feature that answers with every part of a
Reply (title, paragraphs, quote, facts, notes, buttons, a form, hostile markup) and queue a
notification. Screenshots go to tmp_path.
"""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browsers import CHROMIUM
ROOT = Path(__file__).resolve().parent.parent
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
               "--disable-dev-shm-usage"]
FRIEND_QUESTION = "can I accept a friend request from an ex-pupil?"
WAIT_MS = 20_000

if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does this)",
                allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(base_url: str, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {base_url} did not become healthy in {seconds} s")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    # Tests name their app fixture before `page`, so the page closes before its server stops: a request
    # the page makes after the server has gone would log ERR_CONNECTION_REFUSED and fail the check below.
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


@pytest.fixture
def served_app(tmp_path):
    """`python app.py serve` on a free port, with its own database file."""
    port = free_port()
    env = {**os.environ, "POLICYBOT_DB": str(tmp_path / "served.db"), "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MicrosoftAppId",
                 "MicrosoftAppPassword"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def in_process_app(services):
    """The same aiohttp app in this process, on a thread, so a test can reach its Hub."""
    from aiohttp import web

    import app as composition
    import bot.server

    app = composition.build_app(services, env={})
    loop = asyncio.new_event_loop()
    port = free_port()
    runner = web.AppRunner(app)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    wait_until_healthy(base_url, seconds=20)
    yield base_url, app[bot.server.HUB], loop
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def bot_messages(page):
    """The replies to what the person sent (notifications that arrive meanwhile are counted apart)."""
    return page.locator(".chat__transcript:not([hidden]) .message--bot:not(.message--notification)")


def ask(page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def test_newcomer_asks_and_follows_a_see_also_button(served_app, page, tmp_path):
    page.goto(served_app + "/")
    expect(page.get_by_role("heading", name="Policy Bot", level=1)).to_be_visible()
    expect(page.locator(".site-header__school")).to_have_text("Calmore Junior School")
    expect(page.locator(".site-footer")).to_contain_text("local test channel")
    page.get_by_label("Person on the sample roster").select_option("clarke")
    expect(page.locator("#person-details")).to_contain_text("Year 3 teacher")

    page.get_by_role("button", name=FRIEND_QUESTION).click()  # the hint fills the message box
    expect(page.get_by_label("Your message")).to_have_value(FRIEND_QUESTION)
    page.get_by_role("button", name="Send", exact=True).click()
    answer = bot_messages(page).first
    expect(answer.locator("blockquote")).to_contain_text(
        "Accept 'friend requests' from, or communicate with, pupils past or present", timeout=WAIT_MS)
    expect(answer.locator("blockquote cite")).to_contain_text("Section 3")
    expect(page.locator(".message--user").first).to_have_text(FRIEND_QUESTION)
    expect(page.get_by_label("Your message")).to_have_value("")

    ask(page, "can I post photos of pupils")
    expect(bot_messages(page)).to_have_count(2, timeout=WAIT_MS)
    second = bot_messages(page).nth(1)
    follow = second.locator(".actions button", has_text="See also").or_(
        second.locator(".actions button", has_text="Did you mean")).first
    expect(follow).to_be_visible()
    label = follow.inner_text()
    follow.click()
    expect(page.locator(".message--user").last).to_have_text(label)
    expect(bot_messages(page)).to_have_count(3, timeout=WAIT_MS)
    third = bot_messages(page).nth(2)
    expect(third.locator("blockquote")).to_be_visible()
    expect(third).not_to_contain_text("no longer active")
    page.screenshot(path=str(tmp_path / "newcomer.png"), full_page=True)


def test_every_part_of_a_reply_renders_escaped_and_sends_back(in_process_app, page, tmp_path):
    from domain.messages import Button, Form, FormField, Notification, Reply
    from handlers.router import TextRoute

    base_url, hub, loop = in_process_app
    received = []
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    rich = Reply(
        title="Draft received <b>",
        text=f"First paragraph with *bold* words.\nSecond line.\n\nSecond paragraph: {hostile}",
        quote="Staff must not accept 'friend requests' from pupils.",
        quote_source="Section 3 — Personal use of social media by staff",
        facts=[("Platform", "Facebook"), ("Status", "Waiting <i>")],
        notes=["Small print: see https://www.example.org/policy"],
        buttons=[Button("Approve", "test.press", {"draft": "d1", "decision": "approve"}, style="primary"),
                 Button("Reject", "test.press", {"draft": "d1", "decision": "reject"}, style="danger")],
        form=Form("Tell us more", "test.form",
                  (FormField("body", "What happened", kind="multiline", placeholder="Describe it"),
                   FormField("platform", "Where", kind="choice",
                             options=(("facebook", "Facebook"), ("instagram", "Instagram"))),
                   FormField("when", "When", kind="date", required=False)),
                  submit_label="Send it", value={"report": "r7"}))

    def show(incoming, services):
        return [rich]

    def record(incoming, services):
        received.append((incoming.action, incoming.value))
        return [Reply(text=f"Got {incoming.action} {hostile}")]

    hub.router.text_routes.insert(0, TextRoute("test", lambda incoming, services: incoming.text == "show me", show))
    hub.router.actions["test.press"] = record
    hub.router.actions["test.form"] = record

    page.goto(base_url + "/")
    page.get_by_label("Person on the sample roster").select_option("okafor")
    ask(page, "show me")
    reply = bot_messages(page).first
    expect(reply.locator("h3")).to_have_text("Draft received <b>", timeout=WAIT_MS)
    expect(reply.locator("> p")).to_have_count(2)
    expect(reply.locator("> p").first.locator("strong")).to_have_text("bold")
    expect(reply.locator("> p").first.locator("br")).to_have_count(1)
    expect(reply.locator("> p").nth(1)).to_contain_text(hostile)
    expect(reply.locator("blockquote p")).to_have_text("Staff must not accept 'friend requests' from pupils.")
    expect(reply.locator("blockquote cite")).to_have_text("Section 3 — Personal use of social media by staff")
    expect(reply.locator("dl.facts dt")).to_have_text(["Platform", "Status"])
    expect(reply.locator("dl.facts dd")).to_have_text(["Facebook", "Waiting <i>"])
    expect(reply.locator(".notes a")).to_have_attribute("href", "https://www.example.org/policy")
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None
    expect(reply.locator(".button--primary", has_text="Approve")).to_be_visible()
    expect(reply.locator(".button--danger", has_text="Reject")).to_be_visible()

    page.set_viewport_size({"width": 1100, "height": 1200})
    page.screenshot(path=str(tmp_path / "rich-reply.png"), full_page=True)

    reply.get_by_role("button", name="Reject").click()
    expect(bot_messages(page)).to_have_count(2, timeout=WAIT_MS)
    assert received == [("test.press", {"draft": "d1", "decision": "reject"})]

    form = reply.locator("form.reply-form")
    form.get_by_role("button", name="Send it").click()  # required fields empty: the browser holds it
    form.get_by_label("What happened").fill("A parent posted a photo 📸")
    form.get_by_label("Where").select_option("instagram")
    form.get_by_role("button", name="Send it").click()
    expect(bot_messages(page)).to_have_count(3, timeout=WAIT_MS)
    assert received[1] == ("test.form", {"report": "r7", "body": "A parent posted a photo 📸",
                                         "platform": "instagram", "when": ""})
    expect(form.get_by_role("button", name="Send it")).to_be_disabled()

    notification = Notification("okafor", Reply(text="A post draft is waiting for your approval.",
                                                title="Approval needed"), key="browser-test-1")
    hub.services.notify(notification)
    asyncio.run_coroutine_threadsafe(hub.dispatcher.deliver_due(), loop).result(timeout=10)
    # (the training feature may push its own reminders too; this test follows its own message)
    pushed = page.locator(".message--notification", has_text="A post draft is waiting for your approval.")
    expect(pushed).to_have_count(1, timeout=WAIT_MS)
    expect(pushed).to_contain_text("Message for you")
    expect(pushed.locator("h3")).to_have_text("Approval needed")
    page.wait_for_timeout(5000)  # another poll comes and goes: still exactly one
    expect(pushed).to_have_count(1)
    assert page.evaluate("window.__pwned") is None

    # another person has a conversation of their own
    page.get_by_label("Person on the sample roster").select_option("brown")
    expect(bot_messages(page)).to_have_count(0)
    expect(page.locator("#person-details")).to_contain_text("volunteer")
    page.get_by_label("Person on the sample roster").select_option("okafor")
    expect(bot_messages(page)).to_have_count(3)
    expect(pushed).to_have_count(1)


def test_page_fits_a_phone_screen(browser, in_process_app, tmp_path):
    base_url, hub, loop = in_process_app
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(base_url + "/")
        phone.get_by_label("Person on the sample roster").select_option("hughes")
        ask(phone, "help")
        expect(bot_messages(phone).first).to_be_visible(timeout=WAIT_MS)
        scroll_width = phone.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 390, f"the page scrolls sideways on a phone ({scroll_width}px)"
        phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    finally:
        context.close()


def test_a_reply_carrying_a_csv_offers_it_as_a_file_and_roles_read_as_words(browser, in_process_app, tmp_path):
    base_url, _hub, _loop = in_process_app
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        page.get_by_label("Person on the sample roster").select_option("shah")
        expect(page.locator("#person-details")).to_contain_text("DSL")
        expect(page.locator("#person-details .role").first).not_to_have_text("dsl")
        ask(page, "training report")
        page.get_by_role("button", name="Download CSV").click()
        link = page.locator("a.download")
        expect(link).to_have_count(1)
        with page.expect_download() as download:
            link.click()
        saved = Path(download.value.path()).read_text(encoding="utf-8")
        assert download.value.suggested_filename.startswith("training-report-")
        assert saved.startswith("person_id,name,roles,item")
    finally:
        context.close()


def test_decided_buttons_close_in_the_web_chat_with_who_and_when(in_process_app, page, tmp_path):
    """Approve in a notification: its decision buttons disable and say who decided and when. Reject
    through its form: the form and the card it came from both close."""
    from domain.messages import Incoming
    from handlers.router import Router
    from storage.roster import get_person

    base_url, hub, loop = in_process_app
    services = hub.services

    def submit_draft(text: str) -> None:
        Router(services).handle(Incoming(channel="cli", platform_user_id="hughes", conversation_id="t:hughes",
                                         person=get_person(services.db, "hughes"), action="draft.submit",
                                         value={"platform": "facebook", "pictured": "none", "text": text}))
        asyncio.run_coroutine_threadsafe(hub.dispatcher.deliver_due(), loop).result(timeout=10)

    submit_draft("Year 4 had a brilliant trip to Marwell Zoo today. Thank you to all the parents who helped!")
    page.goto(base_url + "/")
    page.get_by_label("Person on the sample roster").select_option("okafor")
    card = page.locator(".message--notification", has_text="needs your approval").first
    expect(card).to_be_visible(timeout=WAIT_MS)
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".decided")).to_contain_text("Approved by Daniel Okafor at", timeout=WAIT_MS)
    for label in ("Approve", "Request changes", "Reject"):
        expect(card.get_by_role("button", name=label)).to_be_disabled()

    submit_draft("Our Year 6 choir sang beautifully at the Winchester festival this afternoon.")
    page.evaluate("window.scrollTo(0, 0)")
    second = page.locator(".message--notification", has_text="needs your approval").nth(1)
    expect(second).to_be_visible(timeout=WAIT_MS)
    second.get_by_role("button", name="Reject").click()
    form = page.locator("form.reply-form").last
    expect(form).to_be_visible(timeout=WAIT_MS)
    expect(second.get_by_role("button", name="Approve")).to_be_enabled()  # nothing decided yet
    form.locator("textarea").fill("It names the festival's venue and date")
    form.get_by_role("button", name="Submit").click()
    expect(second.locator(".decided")).to_contain_text("Rejected by Daniel Okafor at", timeout=WAIT_MS)
    expect(second.get_by_role("button", name="Approve")).to_be_disabled()
    expect(page.locator(".decided", has_text="Rejected by Daniel Okafor")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "decided.png"), full_page=True)
