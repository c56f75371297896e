"""Draft photos in the web chat, in headless Chromium (issue 18): a poster attaches two photos to a
draft with the page's file field; the Deputy Head's approval card shows them as thumbnails, served by
/local/draft-photos only to people who may see the draft. Her view is saved to
docs/screenshots/draft-approval-thumbnails.png when POLICYBOT_SCREENSHOTS=1.
"""
from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_browser import WAIT_MS, ask, bot_messages, browser, page, served_app  # noqa: F401

from playwright.sync_api import expect  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "screenshots" / "draft-approval-thumbnails.png"
CAPTION = "Year 4 had a brilliant trip to Marwell Zoo today, learning how the keepers look after the animals."
SCENES = {
    "giraffes.png": ("linear-gradient(#8fd3f4, #f6d365)", "Giraffe house"),
    "penguins.png": ("linear-gradient(#a1c4fd, #c2e9fb)", "Penguin talk"),
}


def _photos(browser, tmp_path: Path) -> list[str]:  # noqa: F811
    """Two made-up trip photos, drawn by Chromium itself (no pupil in them)."""
    context = browser.new_context(viewport={"width": 480, "height": 360})
    drawing = context.new_page()
    paths = []
    for name, (background, label) in SCENES.items():
        drawing.set_content(f'<div style="width:480px;height:360px;background:{background};display:flex;'
                            f'align-items:center;justify-content:center;font:bold 40px sans-serif;color:#234">'
                            f'{label}</div>')
        path = tmp_path / name
        drawing.locator("div").screenshot(path=str(path))
        paths.append(str(path))
    context.close()
    return paths


def test_the_deputy_head_sees_the_drafts_photos_as_thumbnails(browser, served_app, page, tmp_path):  # noqa: F811
    photos = _photos(browser, tmp_path)
    page.set_viewport_size({"width": 1100, "height": 1000})
    page.goto(served_app + "/")
    page.select_option("#person", "hughes")
    count = bot_messages(page).count()
    page.get_by_label("Your message").fill(f"draft for instagram: {CAPTION}")
    page.set_input_files("#attach", photos)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(bot_messages(page).nth(count)).to_contain_text("Added 2 photos to the draft", timeout=WAIT_MS)
    expect(bot_messages(page).last).to_contain_text("Which pupils are pictured")
    count = bot_messages(page).count()
    ask(page, "Olivia Bennett")
    expect(bot_messages(page)).to_have_count(count + 1, timeout=WAIT_MS)
    expect(bot_messages(page).last).to_contain_text("sent to")

    page.select_option("#person", "okafor")
    card = page.locator(".message--notification", has_text="needs your approval").last
    expect(card).to_be_visible(timeout=WAIT_MS * 3)  # the inbox is polled every few seconds
    thumbnails = card.locator("img.thumbnails__image")
    expect(thumbnails).to_have_count(2)
    for index in range(2):
        page.wait_for_function("img => img.complete && img.naturalWidth > 100",
                               arg=thumbnails.nth(index).element_handle())
    expect(card.get_by_role("button", name="Approve")).to_be_visible()
    card.scroll_into_view_if_needed()
    target = SCREENSHOT if os.environ.get("POLICYBOT_SCREENSHOTS") == "1" else tmp_path / SCREENSHOT.name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=False)

    # The same photo for a member of staff who may not see the draft: refused.
    url = served_app + thumbnails.first.get_attribute("src").replace("person=okafor", "person=clarke")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
