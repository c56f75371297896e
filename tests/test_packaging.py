"""App packaging: the Teams manifest and zip an IT manager uploads, and the Slack app manifest."""
from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.teams_package import PLACEHOLDER_ID, build_manifest, write_teams_package

ROOT = Path(__file__).resolve().parent.parent
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
APP_ID = "11111111-2222-3333-4444-555555555555"


def png_info(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's signature and IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def png_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Every RGBA pixel of one of our own PNGs (8-bit RGBA, filter 0 on every row)."""
    width, height, colour_type = png_info(data)
    assert colour_type == 6
    idat, position = b"", 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"IDAT":
            idat += data[position + 8:position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    return [tuple(raw[row * stride + 1 + 4 * x: row * stride + 5 + 4 * x]) for row in range(height)
            for x in range(width)]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))


def test_teams_manifest_has_the_essentials(manifest):
    assert manifest["$schema"].startswith("https://developer.microsoft.com/json-schemas/teams/v1.")
    assert manifest["manifestVersion"] == manifest["$schema"].split("/v")[-1].split("/")[0]
    assert re.match(r"^\d+\.\d+\.\d+$", manifest["version"])
    assert GUID.match(manifest["id"])
    for key in ("name", "websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key]
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.match(r"^#[0-9A-Fa-f]{6}$", manifest["accentColor"])
    [bot] = manifest["bots"]
    assert GUID.match(bot["botId"])
    assert {"personal", "team"} <= set(bot["scopes"])


def test_teams_manifest_lists_the_commands(manifest):
    [command_list] = manifest["bots"][0]["commandLists"]
    assert {"personal", "team"} <= set(command_list["scopes"])
    titles = [command["title"] for command in command_list["commands"]]
    assert titles == ["ask", "draft", "report", "training", "help"]
    for command in command_list["commands"]:
        assert len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128


def test_package_has_manifest_and_icons_of_the_right_sizes(tmp_path):
    path = write_teams_package(tmp_path / "out" / "policybot.zip", env={}, draft=True)
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        packaged = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")
    assert packaged["id"] == PLACEHOLDER_ID
    assert png_info(color)[:2] == (192, 192)
    assert png_info(outline)[:2] == (32, 32)


def test_outline_icon_is_white_on_transparent_and_colour_icon_is_opaque(tmp_path):
    path = write_teams_package(tmp_path / "p.zip", env={}, draft=True)
    with zipfile.ZipFile(path) as package:
        outline = png_pixels(package.read("outline.png"))
        color = png_pixels(package.read("color.png"))
    assert {pixel[:3] for pixel in outline if pixel[3]} == {(255, 255, 255)}
    assert any(pixel[3] == 0 for pixel in outline) and any(pixel[3] == 255 for pixel in outline)
    assert all(pixel[3] == 255 for pixel in color)
    assert len({pixel for pixel in color}) >= 2


def test_package_takes_the_bot_id_from_microsoft_app_id(tmp_path):
    path = write_teams_package(tmp_path / "p.zip", env={"MicrosoftAppId": APP_ID}, draft=True)
    with zipfile.ZipFile(path) as package:
        packaged = json.loads(package.read("manifest.json"))
    assert packaged["id"] == APP_ID
    assert packaged["bots"][0]["botId"] == APP_ID


def test_a_malformed_app_id_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="must be a GUID"):
        build_manifest({"MicrosoftAppId": "not-a-guid"})


def run_package_teams(tmp_path, *arguments, app_id: str | None = None):
    env = {"PATH": "/usr/bin:/bin", "POLICYBOT_DB": str(tmp_path / "x.db")}
    if app_id:
        env["MicrosoftAppId"] = app_id
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "package-teams", *arguments],
                          capture_output=True, text=True, env=env, timeout=60)


def school_manifest(tmp_path) -> Path:
    """The project's manifest with the school's own links, as an IT manager would leave it."""
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    manifest["developer"].update(websiteUrl="https://www.calmore.hants.sch.uk/",
                                 privacyUrl="https://www.calmore.hants.sch.uk/privacy",
                                 termsOfUseUrl="https://www.calmore.hants.sch.uk/terms")
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def test_package_teams_refuses_while_the_app_id_and_links_are_placeholders(tmp_path):
    output = tmp_path / "teams.zip"
    result = run_package_teams(tmp_path, "--output", str(output))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert PLACEHOLDER_ID in line and "example.org" in line and "--draft" in line
    assert "upload it" not in result.stdout
    assert not output.exists()


def test_package_teams_refuses_example_links_even_with_a_real_app_id(tmp_path):
    output = tmp_path / "teams.zip"
    result = run_package_teams(tmp_path, "--output", str(output), app_id=APP_ID)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "developer.privacyUrl https://www.example.org/privacy" in line and PLACEHOLDER_ID not in line
    assert not output.exists()


def test_package_teams_refuses_a_placeholder_app_id_with_the_schools_links(tmp_path):
    output = tmp_path / "teams.zip"
    result = run_package_teams(tmp_path, "--output", str(output), "--manifest", str(school_manifest(tmp_path)))
    assert result.returncode == 1 and PLACEHOLDER_ID in result.stderr and "example.org" not in result.stderr
    assert not output.exists()


def test_package_teams_draft_writes_the_zip_and_names_each_placeholder(tmp_path):
    output = tmp_path / "teams.zip"
    result = run_package_teams(tmp_path, "--output", str(output), "--draft")
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 4 and all(line.startswith("Warning: draft package") for line in warnings)
    assert any(PLACEHOLDER_ID in line for line in warnings)
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert any(f"developer.{key}" in line for line in warnings)
    assert "upload it in Teams admin centre" not in result.stdout
    assert zipfile.is_zipfile(output)


def test_package_teams_writes_the_zip_once_the_placeholders_are_replaced(tmp_path):
    output = tmp_path / "teams.zip"
    result = run_package_teams(tmp_path, "--output", str(output), "--manifest", str(school_manifest(tmp_path)),
                               app_id=APP_ID)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    assert "upload it" in result.stdout
    with zipfile.ZipFile(output) as package:
        packaged = json.loads(package.read("manifest.json"))
    assert packaged["id"] == APP_ID and packaged["developer"]["privacyUrl"].startswith("https://www.calmore")


def test_slack_manifest_has_the_scopes_events_and_command():
    manifest = json.loads((ROOT / "slack-manifest.json").read_text(encoding="utf-8"))
    assert manifest["features"]["bot_user"]["display_name"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "chat:write", "im:history", "app_mentions:read", "commands", "users:read", "users:read.email", "im:write"}
    events = manifest["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) >= {"message.im", "app_mention", "app_home_opened"}
    assert events["request_url"] == "https://YOUR-HOST/slack/events"
    assert manifest["settings"]["interactivity"] == {"is_enabled": True,
                                                     "request_url": "https://YOUR-HOST/slack/events"}
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/policy" and command["url"] == "https://YOUR-HOST/slack/events"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
