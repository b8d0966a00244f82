"""Real browsers for the web pages: Debian's chromium and firefox-esr, driven by Playwright. Its own browser
downloads cannot work here, so each is launched from the system's path: chromium over CDP, and the stock
Firefox over WebDriver BiDi (Playwright's `moz-firefox` channel). Pages are screenshotted at a phone's and
a desktop's width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect

from tests.support.unavailable import unavailable

WIDTHS = (375, 1440)
SCREENSHOTS = Path(os.environ.get("GOAT_SCREENSHOTS", Path(__file__).parents[2] / "test-output/screenshots"))
"""Where every page's screenshots go (not committed): look at them after a change to the pages."""


@dataclass(frozen=True)
class SystemBrowser:
    """A browser from the distribution's packages, and how Playwright drives it."""

    name: str
    executable: Path
    package: str
    channel: str | None = None

    def launch(self, playwright: Playwright) -> Browser:
        browser_type = playwright.firefox if self.name == "firefox" else playwright.chromium
        return browser_type.launch(executable_path=self.executable, channel=self.channel)


BROWSERS = {
    "chromium": SystemBrowser(
        "chromium", Path(os.environ.get("GOAT_CHROMIUM", "/usr/bin/chromium")), package="chromium"
    ),
    "firefox": SystemBrowser(
        "firefox",
        Path(os.environ.get("GOAT_FIREFOX", "/usr/bin/firefox-esr")),
        package="firefox-esr",
        channel="moz-firefox",
    ),
}


def require_browser(name: str) -> SystemBrowser:
    """The browser, or a skip naming the install command; where it must be there (.ci/run sets
    GOAT_REQUIRE_BROWSER, CI sets CI=true) a missing browser fails instead."""
    browser = BROWSERS[name]
    if browser.executable.exists():
        return browser
    install = f"apt-get update && apt-get install -y {browser.package}"
    message = f"{name} not found at {browser.executable}: {install}"
    unavailable(message, required_by="GOAT_REQUIRE_BROWSER")


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
    """The page as it is now, at each width, full length; at no width may the page itself scroll sideways
    (a wide table scrolls inside its own frame)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser = page.context.browser
    assert browser is not None
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"{browser.browser_type.name}-{name}-{width}.png", full_page=True)
        overflow = page.evaluate("(root => root.scrollWidth - root.clientWidth)(document.documentElement)")
        assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
