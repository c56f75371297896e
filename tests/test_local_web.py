"""The local web chat over real HTTP on 127.0.0.1: the page, the roster, messages, buttons, the inbox,
and every kind of bad input answered with a 4xx and a JSON error (never a 5xx)."""
from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
import bot.server
from domain.messages import Button, Form, FormField, Notification, Reply
from storage.outbox import pending_count


class Recorder:
    """A feature action registered for the test: records what the adapter handed in and answers."""

    def __init__(self):
        self.seen = []

    def __call__(self, incoming, services):
        self.seen.append(incoming)
        return [Reply(text=f"{incoming.person.name} pressed {incoming.action}",
                      buttons=[Button("Again", "test.echo", {"n": 2})])]


@pytest.fixture
async def server(services):
    app = composition.build_app(services, env={})
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
def hub(server):
    return server.app[bot.server.HUB]


@pytest.fixture
async def http(server):
    async with aiohttp.ClientSession(base_url=str(server.make_url("/"))) as session:
        yield session


async def post_message(http, payload) -> tuple[int, dict]:
    async with http.post("/local/messages", json=payload) as response:
        return response.status, await response.json()


async def test_page_has_the_chat_with_school_hint_and_local_note(http):
    async with http.get("/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        page = await response.text()
    assert "Calmore Junior School" in page
    assert "can I accept a friend request from an ex-pupil?" in page
    assert "local test channel" in page
    assert "{{" not in page
    for asset in ("/local/static/chat.js", "/local/static/chat.css"):
        assert asset in page
        async with http.get(asset) as response:
            assert response.status == 200, asset
            assert len(await response.read()) > 1000


async def test_people_lists_the_sample_roster_with_roles(http):
    async with http.get("/local/people") as response:
        assert response.status == 200
        data = await response.json()
    people = {p["id"]: p for p in data["people"]}
    assert len(people) == 12
    assert people["okafor"] == {"id": "okafor", "name": "Daniel Okafor",
                                "roles": ["deputy_head", "staff"], "job_title": "Deputy Headteacher"}
    assert people["hill"]["roles"] == ["chair_of_governors", "governor"]
    assert data["school"] == "Calmore Junior School"


async def test_a_question_gets_the_policy_quote(http):
    status, data = await post_message(http, {"person": "clarke",
                                             "text": "can I accept a friend request from an ex-pupil?"})
    assert status == 200
    [reply] = data["replies"]
    assert reply["quote"] == "Accept 'friend requests' from, or communicate with, pupils past or present"
    assert reply["quote_source"].startswith("Section 3")
    assert reply["text"].startswith("No.")


async def test_unicode_question_is_answered(http):
    status, data = await post_message(http, {"person": "lewis", "text": "Can I post 📸 photos of pupils? — ¿sí?"})
    assert status == 200
    assert data["replies"] and data["replies"][0]["text"]


async def test_a_lone_surrogate_in_a_question_is_answered_without_a_traceback(http, json_logs):
    body = '{"person": "staff", "text": "can I post \\ud800 photos of pupils?"}'
    async with http.post("/local/messages", data=body, headers={"Content-Type": "application/json"}) as response:
        assert response.status == 200
        [reply] = (await response.json())["replies"]
    assert "went wrong" not in reply["text"]
    assert "traceback" not in json_logs.getvalue().lower()


async def test_button_action_round_trips_with_person_and_value(http, hub):
    recorder = Recorder()
    hub.router.actions["test.echo"] = recorder
    status, data = await post_message(http, {"person": "shah", "action": "test.echo",
                                             "value": {"clause": "3-4", "nested": {"ok": [1, "two"]}}})
    assert status == 200
    assert data["replies"][0]["text"] == "Priya Shah pressed test.echo"
    assert data["replies"][0]["buttons"] == [{"label": "Again", "action": "test.echo",
                                              "value": {"n": 2}, "style": None}]
    # the button in the reply goes back exactly as the page would send it
    button = data["replies"][0]["buttons"][0]
    status, _ = await post_message(http, {"person": "shah", "action": button["action"], "value": button["value"]})
    assert status == 200
    first, second = recorder.seen
    assert (first.channel, first.platform_user_id, first.conversation_id, first.private) == \
        ("local", "shah", "web:shah", True)
    assert first.person.id == "shah" and "dsl" in first.person.roles
    assert first.value == {"clause": "3-4", "nested": {"ok": [1, "two"]}}
    assert second.value == {"n": 2}


async def test_form_renders_to_json_and_its_submit_carries_hidden_value(http, hub):
    form = Form("Post draft", "test.form", (FormField("body", "Post text", kind="multiline"),
                                            FormField("platform", "Platform", kind="choice",
                                                      options=(("facebook", "Facebook"),))),
                value={"draft": "d1"})
    hub.router.actions["test.ask_form"] = lambda incoming, services: [Reply(text="Fill this in", form=form)]
    recorder = Recorder()
    hub.router.actions["test.form"] = recorder
    status, data = await post_message(http, {"person": "hughes", "action": "test.ask_form"})
    assert status == 200
    sent = data["replies"][0]["form"]
    assert sent["submit_action"] == "test.form" and sent["value"] == {"draft": "d1"}
    assert [f["name"] for f in sent["fields"]] == ["body", "platform"]
    assert sent["fields"][1]["options"] == [["facebook", "Facebook"]]
    values = {**sent["value"], "body": "Sports day was great!", "platform": "facebook"}
    status, _ = await post_message(http, {"person": "hughes", "action": sent["submit_action"], "value": values})
    assert status == 200
    assert recorder.seen[0].value == {"draft": "d1", "body": "Sports day was great!", "platform": "facebook"}


BAD_JSON_BODIES = [
    pytest.param(b"{not json", "not valid", id="malformed-json"),
    pytest.param(b"\xff\xfe{}", "not valid", id="not-utf8"),
    pytest.param(b"", "not valid", id="empty-body"),
    pytest.param(b'["clarke", "hi"]', "JSON object", id="array-body"),
    pytest.param(b'"hello"', "JSON object", id="string-body"),
    pytest.param(json.dumps({"text": "hi"}).encode(), "person", id="missing-person"),
    pytest.param(json.dumps({"person": "nobody", "text": "hi"}).encode(), "roster", id="unknown-person"),
    pytest.param(json.dumps({"person": 7, "text": "hi"}).encode(), "person", id="person-not-string"),
    pytest.param(json.dumps({"person": ["clarke"], "text": "hi"}).encode(), "person", id="person-list"),
    pytest.param(json.dumps({"person": "", "text": "hi"}).encode(), "person", id="person-empty"),
    pytest.param(json.dumps({"person": "clarke"}).encode(), "text", id="neither-text-nor-action"),
    pytest.param(json.dumps({"person": "clarke", "text": 42}).encode(), "text", id="text-not-string"),
    pytest.param(json.dumps({"person": "clarke", "text": None}).encode(), "text", id="text-null"),
    pytest.param(json.dumps({"person": "clarke", "text": ""}).encode(), "empty", id="empty-text"),
    pytest.param(json.dumps({"person": "clarke", "text": " \n\t "}).encode(), "empty", id="blank-text"),
    pytest.param(json.dumps({"person": "clarke", "text": "x" * 4001}).encode(), "too long", id="text-4001"),
    pytest.param(json.dumps({"person": "clarke", "action": ""}).encode(), "action", id="empty-action"),
    pytest.param(json.dumps({"person": "clarke", "action": 3}).encode(), "action", id="action-not-string"),
    pytest.param(json.dumps({"person": "clarke", "action": "a" * 201}).encode(), "action", id="action-huge"),
    pytest.param(json.dumps({"person": "clarke", "action": "ask.clause", "value": [1]}).encode(),
                 "value", id="value-not-object"),
    pytest.param(json.dumps({"person": "clarke", "action": "ask.clause", "value": "3-4"}).encode(),
                 "value", id="value-string"),
]


@pytest.mark.parametrize("body, says", BAD_JSON_BODIES)
async def test_bad_message_bodies_get_400_with_a_clear_json_error(http, services, body, says):
    async with http.post("/local/messages", data=body, headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
        data = await response.json()
    assert says.lower() in data["error"].lower()
    assert pending_count(services.db) == 0
    # and the server keeps serving
    status, data = await post_message(http, {"person": "clarke", "text": "help"})
    assert status == 200 and data["replies"]


async def test_text_of_exactly_the_limit_is_accepted(http):
    status, data = await post_message(http, {"person": "clarke", "text": "a" * 4000})
    assert status == 200 and data["replies"]


@pytest.mark.parametrize("size", [200 * 1024, 1024 * 1024, 3 * 1024 * 1024])
async def test_oversized_body_is_refused_with_413(http, size):
    body = json.dumps({"person": "clarke", "text": "x" * size}).encode()
    async with http.post("/local/messages", data=body, headers={"Content-Type": "application/json"}) as response:
        assert response.status == 413
        assert "too large" in (await response.json())["error"]


async def test_oversized_chunked_body_without_length_is_refused(http):
    async def chunks():
        for _ in range(40):
            yield b"x" * 8192

    async with http.post("/local/messages", data=chunks(), headers={"Content-Type": "application/json"}) as response:
        assert response.status == 413
        assert "error" in await response.json()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_wrong_content_type_is_refused_with_415(http, content_type):
    body = json.dumps({"person": "clarke", "text": "hi"})
    async with http.post("/local/messages", data=body, headers={"Content-Type": content_type}) as response:
        assert response.status == 415
        assert "application/json" in (await response.json())["error"]


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}])
async def test_requests_from_another_web_site_are_refused(http, hub, headers):
    recorder = Recorder()
    hub.router.actions["test.echo"] = recorder
    async with http.post("/local/messages", json={"person": "okafor", "action": "test.echo"},
                         headers=headers) as response:
        assert response.status == 403
        assert "other web sites" in (await response.json())["error"]
    async with http.get("/local/inbox", params={"person": "okafor"}, headers=headers) as response:
        assert response.status == 403
    assert recorder.seen == []


async def test_same_origin_browser_request_is_accepted(http, server, hub):
    hub.router.actions["test.echo"] = Recorder()
    origin = f"http://{server.host}:{server.port}"
    async with http.post("/local/messages", json={"person": "okafor", "action": "test.echo"},
                         headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"}) as response:
        assert response.status == 200


LOCAL_ROUTES = [("GET", "/"), ("GET", "/local/people"), ("POST", "/local/messages"),
                ("GET", "/local/inbox?person=okafor"), ("GET", "/local/training-chart?person=shah"),
                ("GET", "/local/static/chat.js")]


@pytest.mark.parametrize("host", ["evil.example", "attacker.com:3978", "127.0.0.1.evil.example",
                                  "localhost.attacker.com:80", "[::2]:3978", ""])
async def test_dns_rebinding_hosts_are_refused_on_every_local_route(http, hub, services, host):
    """A hostile page whose name now resolves to 127.0.0.1: its requests carry its own Host and a
    matching Origin, so only the Host gives it away."""
    recorder = Recorder()
    hub.router.actions["test.echo"] = recorder
    services.notify(Notification("okafor", Reply("waiting in the inbox")))
    headers = {"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    for method, path in LOCAL_ROUTES:
        body = {"person": "okafor", "action": "test.echo"} if method == "POST" else None
        async with http.request(method, path, json=body, headers=headers) as response:
            assert response.status == 403, (path, response.status)
            assert response.content_type == "application/json", path
            assert "127.0.0.1" in (await response.json())["error"], path
    assert recorder.seen == []
    async with http.get("/local/inbox", params={"person": "okafor"}) as response:
        assert [m["text"] for m in (await response.json())["messages"]] == ["waiting in the inbox"]


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST"])
async def test_loopback_host_names_are_accepted_with_any_port(http, server, name):
    for host in (name, f"{name}:{server.port}"):
        headers = {"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
        async with http.get("/local/people", headers=headers) as response:
            assert response.status == 200, host
        async with http.post("/local/messages", json={"person": "clarke", "text": "help"},
                             headers=headers) as response:
            assert response.status == 200, host


async def test_get_on_messages_says_to_post(http):
    async with http.get("/local/messages") as response:
        assert response.status == 405
        assert "POST" in (await response.json())["error"]


@pytest.mark.parametrize("query", [{}, {"person": ""}, {"person": "nobody"}])
async def test_inbox_needs_a_roster_person(http, query):
    async with http.get("/local/inbox", params=query) as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_inbox_shows_a_queued_notification_exactly_once(http, services, hub):
    reply = Reply(text="A draft is waiting for you.\n\n<b>Not bold</b>", title="Approval needed",
                  buttons=[Button("Approve", "draft.approve", {"draft": "d9"}, style="primary")])
    assert services.notify(Notification("okafor", reply, key="test-inbox-1"))
    assert not services.notify(Notification("okafor", reply, key="test-inbox-1"))  # idempotent key
    await hub.dispatcher.deliver_due()

    async def ours(person: str) -> list[dict]:
        # other features (training reminders) may queue their own messages when the app starts
        async with http.get("/local/inbox", params={"person": person}) as response:
            assert response.status == 200
            return [m for m in (await response.json())["messages"] if m["title"] == "Approval needed"]

    assert await ours("clarke") == []
    messages = await ours("okafor")
    assert len(messages) == 1
    assert messages[0]["text"] == "A draft is waiting for you.\n\n<b>Not bold</b>"
    assert messages[0]["buttons"][0]["value"] == {"draft": "d9"}
    await hub.dispatcher.deliver_due()
    assert await ours("okafor") == []
