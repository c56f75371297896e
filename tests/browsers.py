"""Where the browser tests find Chromium: Debian's package puts it here. tests/test_browser.py,
tests/test_training_e2e.py and .ci/run (which installs it when this path is missing) all read
this one constant, so they cannot disagree."""
CHROMIUM = "/usr/bin/chromium"
