"""The web pages in a real browser, against the whole system (valkey, the API, one worker).

One worker makes the order certain: while the organiser's slow model runs, the participant's upload waits
in the queue, so its page is open before the evaluation starts and must follow it to `completed` by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import screenshots, sign_in, visitor_page
from tests.support.hostile import looping_model
from tests.support.models import depth_model, mean_model, save_model
from tests.support.system import GoatSystem

SIZE = 32
EVALUATION_S = 120


@pytest.fixture(scope="module")
def system(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """A system of its own for each browser, so each sees the pages from the same start."""
    with GoatSystem(tmp_path_factory.mktemp("web"), workers=1, env={"DATASET_SEED": "0"}) as running:
        yield running


@pytest.fixture
def team_page(browser: Browser, system: GoatSystem) -> Iterator[Page]:
    with visitor_page(browser, system.url) as page:
        sign_in(page, system.token)
        yield page


@pytest.fixture
def admin_page(browser: Browser, system: GoatSystem) -> Iterator[Page]:
    with visitor_page(browser, system.url) as page:
        sign_in(page, system.admin_token)
        yield page


def test_a_participant_uploads_watches_it_complete_and_finds_the_team_ranked(
    system: GoatSystem, team_page: Page, admin_page: Page, tmp_path: Path
) -> None:
    page = team_page
    blocker = system.admin.submit(looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9))
    page.goto("/")
    screenshots(page, "home")

    page.goto("/upload")
    screenshots(page, "upload")
    page.get_by_label("Task").select_option("task2")
    page.get_by_label("Model file (.onnx), or drag it here").set_input_files(
        depth_model(tmp_path / "good.onnx", image_size=SIZE)
    )
    page.get_by_role("button", name="Upload and evaluate").click()
    page.wait_for_url(re.compile(r"/submissions/sub_"))
    expect(page.get_by_text("position 1 in the queue")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    screenshots(page, "submission-queued")

    admin_page.goto(f"/submissions/{blocker['submission_id']}")
    admin_page.get_by_role("button", name=f"Cancel {blocker['submission_id']}").click()
    expect(admin_page.locator("[data-field=status]").first).to_have_text("cancelled")

    expect(page.locator("[data-field=status]").first).to_have_text("completed", timeout=EVALUATION_S * 1000)
    assert page.evaluate("window.notReloaded") is True, "the page followed the evaluation without a reload"
    expect(page.locator("#metrics")).to_contain_text("delta1")
    previews = page.locator(".previews img")
    expect(previews).to_have_count(4)
    page.wait_for_function(
        "[...document.querySelectorAll('.previews img')].every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(page.locator(".previews figcaption").first).to_contain_text("abs_rel")
    screenshots(page, "submission")

    page.goto("/leaderboards/task2")
    expect(page.locator("tr.mine")).to_contain_text(f"{GoatSystem.TEAM} (your team)")
    page.bring_to_front()  # Firefox sends keys only to the window in front; the admin's was, last
    page.get_by_role("button", name="abs_rel").focus()
    page.keyboard.press("Enter")  # sorting, from the keyboard
    expect(page.locator("th", has=page.get_by_role("button", name="abs_rel"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    screenshots(page, "leaderboard")
    page.goto("/submissions")
    expect(page.locator("tbody tr")).to_have_count(1)
    screenshots(page, "submissions")
    page.goto("/queue")
    expect(page.get_by_role("heading", name="Workers", exact=True)).to_have_count(0)
    screenshots(page, "queue")


def test_an_unusable_model_gets_the_door_s_verdict_on_the_page(
    browser: Browser, system: GoatSystem, tmp_path: Path
) -> None:
    wrong = save_model(
        mean_model(image_size=SIZE, input_dims=["N", 3, 16, 16], output_dims=["N", 16, 16]),
        tmp_path / "wrong.onnx",
    )
    with visitor_page(browser, system.url, refusal=422) as page:
        sign_in(page, system.token)
        page.goto("/upload")
        page.get_by_label("Model file (.onnx), or drag it here").set_input_files(wrong)
        page.get_by_role("button", name="Upload and evaluate").click()
        verdict = page.locator("[data-verdict]")
        expect(verdict).to_contain_text("Refused (HTTP 422)")
        expect(verdict).to_contain_text("expected [N, 3, 32, 32]")
        screenshots(page, "upload-refused")


def test_another_team_s_submission_page_is_not_found(
    browser: Browser, system: GoatSystem, tmp_path: Path
) -> None:
    theirs = system.team("web-others").submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))
    with visitor_page(browser, system.url, refusal=404) as page:
        sign_in(page, system.token)
        answer = page.goto(f"/submissions/{theirs['submission_id']}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_the_organiser_adds_a_team_whose_token_signs_in_and_reveals_the_private_ranking(
    browser: Browser, system: GoatSystem, admin_page: Page
) -> None:
    admin_page.goto("/admin")
    admin_page.get_by_label("New team's name").fill("web-newcomers")
    admin_page.get_by_role("button", name="Add the team").click()
    token = admin_page.get_by_label("Token of web-newcomers").input_value()
    assert token.startswith("goat_") and token not in admin_page.url
    screenshots(admin_page, "admin")
    admin_page.goto("/queue")
    expect(admin_page.get_by_role("heading", name="Workers", exact=True)).to_be_visible()
    expect(admin_page.locator("table")).to_contain_text("cpu")
    screenshots(admin_page, "queue-admin")
    admin_page.goto("/admin")
    with visitor_page(browser, system.url) as page:
        sign_in(page, token)
        expect(page.get_by_text("Signed in as web-newcomers")).to_be_visible()
    expect(admin_page.locator("#reveal-task2")).to_contain_text("not revealed")
    admin_page.get_by_role("button", name="Reveal the private ranking of task2").click()
    admin_page.wait_for_url("**/leaderboards/task2")
    expect(admin_page.locator("#reveal-state")).to_contain_text("Private ranking revealed")
    expect(admin_page.locator("#leaderboard thead")).to_contain_text("Private score")
    screenshots(admin_page, "leaderboard-revealed")


def test_the_api_reference_renders_from_goat_s_own_files(browser: Browser, system: GoatSystem) -> None:
    with visitor_page(browser, system.url) as page:
        fetched: list[str] = []
        page.on("requestfinished", lambda request: fetched.append(f"{request.resource_type} {request.url}"))
        page.goto("/docs")
        expect(page.locator(".swagger-ui .information-container")).to_contain_text("goat")
        page.goto("/redoc")
        expect(page.locator("redoc, [role=main], body").first).to_contain_text("Upload an ONNX model")
        elsewhere = [url for url in fetched if not url.split()[1].startswith((system.url, "data:", "blob:"))]
        assert elsewhere == [], "nothing from another site"
