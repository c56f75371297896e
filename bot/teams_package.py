"""The Teams app package an IT manager uploads: manifest.json plus the colour and outline icons.

    python app.py package-teams [--output policybot-teams.zip] [--manifest manifest.json] [--draft]

The manifest template is manifest.json in the project root. Its app id and bot id become the
bot's Microsoft App ID (env MicrosoftAppId). While the app id is still the all-zeros placeholder or
a developer link points at example.org / example.com, the package is refused: Teams would accept
it and staff would see a bot that cannot answer, or "privacy" links to nowhere. --draft writes it
anyway (for a trial upload) with a warning naming each placeholder. Icons come from assets/color.png and assets/outline.png when a school adds its own,
otherwise simple ones are drawn here (Teams wants 192x192 colour, 32x32 white-on-transparent).
"""
from __future__ import annotations

import json
import os
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_FILE = PROJECT_ROOT / "manifest.json"
ASSETS = PROJECT_ROOT / "assets"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
# Domains reserved for documentation (RFC 2606): a link there was never replaced with the school's.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", "example.edu")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COLOR_SIZE, OUTLINE_SIZE = 192, 32
ACCENT = (0x1F, 0x4E, 0x79)
WHITE = (255, 255, 255)

RGBA = tuple[int, int, int, int]


# --- icons ---------------------------------------------------------------------------------------

def png_bytes(width: int, height: int, pixel: Callable[[int, int], RGBA]) -> bytes:
    """An RGBA PNG (8 bits per channel) from a pixel function; the standard library is enough."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _in_rounded_rect(x: float, y: float, left: float, top: float, right: float, bottom: float,
                     radius: float) -> bool:
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def _in_speech_bubble(x: float, y: float, size: float) -> bool:
    """A speech bubble: a rounded box with a tail at the bottom left (all relative to size)."""
    s = size
    if _in_rounded_rect(x, y, 0.14 * s, 0.18 * s, 0.86 * s, 0.68 * s, 0.12 * s):
        return True
    # The tail: a triangle under the box.
    tx0, tx1, ty0, ty1 = 0.28 * s, 0.46 * s, 0.66 * s, 0.84 * s
    return ty0 <= y <= ty1 and tx0 <= x <= tx1 - (y - ty0) * (tx1 - tx0) / (ty1 - ty0)


def _in_text_lines(x: float, y: float, size: float) -> bool:
    """Three lines of 'text' inside the bubble."""
    s = size
    for top, right in ((0.30, 0.72), (0.40, 0.72), (0.50, 0.58)):
        if 0.28 * s <= x <= right * s and top * s <= y <= (top + 0.05) * s:
            return True
    return False


def color_icon() -> bytes:
    """192x192: a white speech bubble with lines of text on the accent colour."""
    size = COLOR_SIZE

    def pixel(x: int, y: int) -> RGBA:
        cx, cy = x + 0.5, y + 0.5
        if _in_speech_bubble(cx, cy, size) and not _in_text_lines(cx, cy, size):
            return (*WHITE, 255)
        return (*ACCENT, 255)

    return png_bytes(size, size, pixel)


def outline_icon() -> bytes:
    """32x32: the bubble's outline in white on a transparent background, as Teams requires."""
    size = OUTLINE_SIZE

    def pixel(x: int, y: int) -> RGBA:
        cx, cy = x + 0.5, y + 0.5
        inside = _in_speech_bubble(cx, cy, size)
        border = inside and not all(_in_speech_bubble(cx + dx, cy + dy, size)
                                    for dx, dy in ((-2, 0), (2, 0), (0, -2), (0, 2)))
        return (*WHITE, 255) if border or _in_text_lines(cx, cy, size) else (*WHITE, 0)

    return png_bytes(size, size, pixel)


def _icon(name: str, draw: Callable[[], bytes]) -> bytes:
    custom = ASSETS / name
    return custom.read_bytes() if custom.exists() else draw()


# --- manifest and package ---------------------------------------------------------------------------

class PlaceholderManifest(ValueError):
    """The package would carry placeholders; the message names each one."""

    def __init__(self, placeholders: list[str]):
        self.placeholders = placeholders
        super().__init__("the Teams package still has placeholders: " + "; ".join(placeholders)
                         + ". Replace them (or pass --draft for a trial package).")


def build_manifest(env: Mapping[str, str] | None = None,
                   template: Path | None = None) -> tuple[dict, bool]:
    """The manifest with the bot's app id filled in; the flag says whether it is a placeholder."""
    env = os.environ if env is None else env
    manifest = json.loads(Path(template or MANIFEST_FILE).read_text(encoding="utf-8"))
    app_id = (env.get("MicrosoftAppId") or "").strip()
    if app_id and not GUID.match(app_id):
        raise ValueError(f"MicrosoftAppId must be a GUID (the bot's Microsoft App ID), not {app_id!r}")
    bot_id = app_id or manifest.get("id") or PLACEHOLDER_ID
    manifest["id"] = bot_id
    for bot in manifest.get("bots", []):
        bot["botId"] = bot_id
    return manifest, _is_placeholder_id(bot_id)


def _is_placeholder_id(app_id: str) -> bool:
    return not GUID.match(app_id or "") or set(app_id.replace("-", "")) == {"0"}


def _is_example_link(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in EXAMPLE_DOMAINS)


def manifest_placeholders(manifest: dict) -> list[str]:
    """Each placeholder still in the manifest, said so that the IT manager knows what to change."""
    found = []
    if _is_placeholder_id(manifest.get("id", "")):
        found.append(f"app id {manifest.get('id')!s} (set MicrosoftAppId to the Azure Bot's Microsoft App ID)")
    for key, value in manifest.get("developer", {}).items():
        if isinstance(value, str) and key.endswith("Url") and _is_example_link(value):
            found.append(f"developer.{key} {value} (edit manifest.json)")
    return found


def write_teams_package(output: Path, env: Mapping[str, str] | None = None, *, draft: bool = False,
                        template: Path | None = None) -> Path:
    """Write the zip an IT manager uploads in the Teams admin centre; returns its path.

    Raises PlaceholderManifest, before anything is written, while placeholders remain, unless
    draft is set; then the zip is written and a warning names them."""
    manifest, _ = build_manifest(env, template)
    placeholders = manifest_placeholders(manifest)
    if placeholders and not draft:
        raise PlaceholderManifest(placeholders)
    output = Path(output)
    if output.parent and not output.parent.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        package.writestr(manifest["icons"]["color"], _icon("color.png", color_icon))
        package.writestr(manifest["icons"]["outline"], _icon("outline.png", outline_icon))
    for placeholder in placeholders:
        print(f"Warning: draft package, placeholder {placeholder}", file=sys.stderr)
    return output
