"""One browser of each kind for the web tests, and one system per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.browser import BROWSERS, require_browser


@pytest.fixture(scope="session", params=sorted(BROWSERS))
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    system_browser = require_browser(request.param)
    with sync_playwright() as playwright:
        launched = system_browser.launch(playwright)
        try:
            yield launched
        finally:
            launched.close()
