"""The organiser's list of submissions (by team, by status, only models several teams submitted) and the
count of each entrant's submissions, on SQLite and PostgreSQL; a re-run the organiser asked for is not
charged to the team's quota."""

from __future__ import annotations

import dataclasses

from goat.storage.listing import Filters, submissions_matching
from goat.storage.submissions import SubmissionStore
from tests.storage.test_quota import a_team, upload, used


def test_the_organiser_filters_by_team_status_and_shared_models(database_url: str) -> None:
    store, red, blue = SubmissionStore(database_url), a_team(database_url), a_team(database_url)
    shared = "ab" * 32
    red_shared = store.create(upload(red, sha256=shared)).id
    blue_shared = store.create(upload(blue, sha256=shared)).id
    red_own = store.create(upload(red)).id
    store.mark_completed(red_own, result={}, score=0.5)

    def ids(filters: Filters) -> set[str]:
        return {row.id for row in submissions_matching(database_url, filters, limit=100)}

    assert ids(Filters(team_id=red)) == {red_shared, red_own}
    assert ids(Filters(status="completed")) == {red_own}
    assert ids(Filters(shared_only=True)) == {red_shared, blue_shared}
    assert ids(Filters(team_id=blue, shared_only=True)) == {blue_shared}
    newest = submissions_matching(database_url, Filters(team_id=red), limit=1)
    assert [row.id for row in newest] == [red_own], "newest first, at most `limit`"


def test_entries_count_each_team_s_submissions_of_a_task(database_url: str) -> None:
    store, red, blue = SubmissionStore(database_url), a_team(database_url), a_team(database_url)
    for team, count in ((red, 3), (blue, 1)):
        for _ in range(count):
            store.create(upload(team))
    store.create(dataclasses.replace(upload(red), task="task3"))
    assert store.entries("task2") == {(red, None): 3, (blue, None): 1}


def test_a_rerun_is_not_charged_to_the_team(database_url: str) -> None:
    store, team = SubmissionStore(database_url), a_team(database_url)
    original = store.create(upload(team)).id
    store.create(dataclasses.replace(upload(team), rerun_of=original))
    assert used(database_url, team) == 1
