"""Sign-in sessions over HTTP: the cookie's flags, the token never in a URL or a page, CSRF on every change
(forms and the JSON API alike), no redirect off the site, and a revoked token ending its sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from goat.web.sessions import CSRF_HEADER
from tests.support.system import GoatSystem, without_workers


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("sessions")) as running:
        yield running


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@contextmanager
def signed_in(
    api: GoatSystem, token: str, *, next: str = "/queue"
) -> Iterator[tuple[httpx.Client, httpx.Response]]:
    """A client with its cookies, as a browser, and the answer to its sign-in."""
    with httpx.Client(base_url=api.url) as browser:
        form = browser.get("/signin")
        yield (
            browser,
            browser.post("/signin", data={"token": token, "csrf_token": csrf_of(form), "next": next}),
        )


def test_signing_in_sets_a_strict_http_only_cookie_and_never_echoes_the_token(api: GoatSystem) -> None:
    with signed_in(api, api.token) as (browser, answer):
        assert answer.status_code == 303 and answer.headers["location"] == "/queue"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
        assert "Secure" not in cookie, "plain HTTP here; behind HTTPS the cookie is Secure"
        assert api.token not in cookie and api.token not in answer.headers["location"]
        for path in ["/", "/submissions", "/upload", "/queue"]:
            page = browser.get(path)
            assert page.status_code == 200 and api.token not in page.text, path
        assert "Signed in as <strong>tests</strong>" in browser.get("/").text


def test_behind_an_https_proxy_the_cookie_is_secure(api: GoatSystem) -> None:
    """uvicorn takes X-Forwarded-Proto from a proxy on the same machine (its default trust)."""
    proxied = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=api.url, headers=proxied) as browser:
        form = browser.get("/signin")
        assert "; Secure" in form.headers["set-cookie"]
        pending = form.headers["set-cookie"].split(";")[0]  # a browser sends it back over HTTPS only
        answer = browser.post(
            "/signin",
            data={"token": api.token, "csrf_token": csrf_of(form)},
            headers={"Cookie": pending},
        )
        assert answer.status_code == 303 and "; Secure" in answer.headers["set-cookie"]


def test_a_bad_token_or_a_form_without_its_csrf_token_signs_nobody_in(api: GoatSystem) -> None:
    with signed_in(api, "goat_not-a-token") as (browser, answer):
        assert answer.status_code == 401 and "not valid" in answer.text
        assert browser.get("/submissions", follow_redirects=False).headers["location"] == (
            "/signin?next=/submissions"
        )
    with httpx.Client(base_url=api.url) as stranger:
        forged = stranger.post("/signin", data={"token": api.token, "csrf_token": "guessed"})
        assert forged.status_code == 200 and "The form had expired" in forged.text
        assert "Signed in as" not in stranger.get("/").text


def test_the_json_api_takes_the_session_but_a_change_needs_the_csrf_header(api: GoatSystem) -> None:
    with signed_in(api, api.token) as (browser, _):
        assert browser.get("/me").json()["team"] == "tests"
        model = {"file": ("m.onnx", b"not a model")}
        refused = browser.post("/submit/task2", files=model)
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
        csrf = csrf_of(browser.get("/upload"))
        checked = browser.post("/submit/task2", files=model, headers={CSRF_HEADER: csrf})
        assert checked.status_code == 422, "past the CSRF check, the door's own verdict"


def test_sign_in_never_redirects_to_another_site(api: GoatSystem) -> None:
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        with signed_in(api, api.token, next=target) as (_, answer):
            assert answer.headers["location"] == "/submissions", target


def test_signing_out_and_revoking_the_token_both_end_the_session(api: GoatSystem) -> None:
    token = api.admin.add_team("sessions-revoked")["token"]
    with signed_in(api, token) as (browser, _):
        assert browser.get("/me").status_code == 200
        api.admin.revoke_team("sessions-revoked")
        assert browser.get("/me").status_code == 401
        assert browser.get("/upload", follow_redirects=False).status_code == 303
    with signed_in(api, api.token) as (browser, _):
        signed_out = browser.post("/signout", data={"csrf_token": csrf_of(browser.get("/"))})
        assert signed_out.status_code == 303
        assert browser.get("/me").status_code == 401


def test_a_refusal_on_a_page_is_a_page(api: GoatSystem) -> None:
    with signed_in(api, api.token) as (browser, _):
        for path, status, title in [
            ("/submissions/sub_1_00000000", 404, "Not found"),
            ("/submissions/not-an-id", 422, "Not understood"),
            ("/admin", 403, "Not allowed"),
        ]:
            page = browser.get(path)
            assert page.status_code == status and page.headers["content-type"].startswith("text/html"), path
            assert f"<h1>{title}</h1>" in page.text and "Signed in as" in page.text, path
