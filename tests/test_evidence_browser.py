"""Evidence in the web chat, in headless Chromium (issue 16): a member of staff attaches a screenshot
to a concern report with the page's file field; the DSL opens the report and sees the image, served
by /local/files only to her. The DSL's view is saved to docs/screenshots/dsl-evidence-view.png.
"""
from __future__ import annotations

import re
import os
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, WAIT_MS, ask, bot_messages, browser, page, served_app  # noqa: F401

from playwright.sync_api import expect  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The committed screenshot is refreshed only when asked (POLICYBOT_SCREENSHOTS=1): a test run must
# not change tracked files.
SCREENSHOT = ROOT / "docs" / "screenshots" / "dsl-evidence-view.png"
FAKE_POST = """<div style="font:16px sans-serif;width:360px;padding:14px;border:1px solid #ccc;
background:#fff"><b>@unknown_adult_22</b><p>hey, you seem mature for your age. send me a pic?
don't tell your teacher x</p><small>Direct message · 21:47</small></div>"""


def _evidence_png(browser, tmp_path: Path) -> Path:  # noqa: F811
    """A screenshot a pupil might have shown: a made-up direct message, drawn by Chromium itself."""
    context = browser.new_context(viewport={"width": 400, "height": 160})
    drawing = context.new_page()
    drawing.set_content(FAKE_POST)
    path = tmp_path / "screenshot.png"
    drawing.locator("div").screenshot(path=str(path))
    context.close()
    return path


def test_staff_attach_a_screenshot_and_the_dsl_sees_it(browser, served_app, page, tmp_path):  # noqa: F811
    evidence = _evidence_png(browser, tmp_path)
    page.goto(served_app + "/")
    page.select_option("#person", "clarke")
    for answer in ("report a concern", "no", "1", "3",
                   "A pupil in 5B showed me a direct message from an adult asking for a photo",
                   "A pupil in 5B; an unknown adult", "Last night at 21:47", "Instagram direct messages"):
        count = bot_messages(page).count()
        ask(page, answer)
        expect(bot_messages(page)).to_have_count(count + 1, timeout=WAIT_MS)
    count = bot_messages(page).count()
    page.set_input_files("#attach", str(evidence))
    page.get_by_role("button", name="Send", exact=True).click()
    expect(bot_messages(page).nth(count)).to_contain_text("I've kept screenshot.png as evidence",
                                                          timeout=WAIT_MS)
    expect(bot_messages(page).last).to_contain_text("Check your report")
    count = bot_messages(page).count()
    ask(page, "send")
    expect(bot_messages(page)).to_have_count(count + 1, timeout=WAIT_MS)
    ref = re.search(r"CJS-\d{4}-\d{4}", bot_messages(page).last.inner_text()).group(0)

    page.select_option("#person", "shah")
    count = bot_messages(page).count()
    ask(page, f"view {ref}")
    expect(bot_messages(page)).to_have_count(count + 1, timeout=WAIT_MS)
    view = bot_messages(page).last
    expect(view).to_contain_text("Evidence files")
    expect(view).to_contain_text("screenshot.png (image")
    count = bot_messages(page).count()
    view.get_by_role("button", name="Open screenshot.png").click()
    expect(bot_messages(page)).to_have_count(count + 1, timeout=WAIT_MS)
    image = bot_messages(page).last.locator("img.file__image")
    expect(image).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=image.element_handle())
    target = SCREENSHOT if os.environ.get("POLICYBOT_SCREENSHOTS") == "1" else tmp_path / SCREENSHOT.name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=False)

    # The same file for staff: refused.
    import urllib.error
    import urllib.request

    url = served_app + image.get_attribute("src").replace("person=shah", "person=clarke")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
