"""A real browser for the web pages: Debian's chromium driven by Playwright (its own browser download cannot
work here, so it is launched from CHROMIUM). Pages are screenshotted at a phone's and a desktop's width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

CHROMIUM = Path(os.environ.get("GOAT_CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
WIDTHS = (375, 1440)
SCREENSHOTS = Path(os.environ.get("GOAT_SCREENSHOTS", Path(__file__).parents[2] / "test-output/screenshots"))
"""Where every page's screenshots go (not committed): look at them after a change to the pages."""


def require_chromium() -> Path:
    """The browser, or a skip naming the install command; where it must be there (.ci/run sets
    GOAT_REQUIRE_BROWSER, CI sets CI=true) a missing browser fails instead."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"chromium not found at {CHROMIUM}: {INSTALL_HINT}"
    if os.environ.get("GOAT_REQUIRE_BROWSER") or os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def visitor_page(browser: Browser, base_url: str, *, refusal: int | None = None) -> Iterator[Page]:
    """A page in a fresh context (no cookies) that fails the test on any console error or uncaught
    exception of the page's scripts; except that Chromium logs an answer with an error status as one,
    so the `refusal` status a test expects is not counted."""
    context = browser.new_context(base_url=base_url, viewport={"width": WIDTHS[-1], "height": 900})
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        expected = refusal is not None and f"status of {refusal} " in message.text
        if message.type == "error" and not expected:
            problems.append(f"console: {message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        yield page
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def sign_in(page: Page, token: str) -> None:
    page.goto("/signin")
    page.get_by_label("Your team's token, or the organiser's").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def screenshots(page: Page, name: str) -> None:
    """The page as it is now, at each width, full length."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
