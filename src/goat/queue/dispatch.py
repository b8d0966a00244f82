"""Fair dispatch: the order of evaluation_queue, so that one team's burst never holds up another team.

The next evaluation to start is the oldest queued one of the team that has gone longest without a start:
round-robin across teams, FIFO within a team. Workers still take the head of evaluation_queue; the queue is
put in that order each time a job is added to it (an upload, a submission queued again by the sweeper).
Between two additions the order stays right by itself: a start moves its team behind every other, which is
where the round-robin already put that team's next submission. A submission queued again after a fault of
goat's (it has started before) goes first: it has had its turn. The order is also each submission's queue
position, so a participant sees where they really stand.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from redis.exceptions import LockError

from goat.queue.jobs import Queue
from goat.storage.submissions import SubmissionStore, Waiting

log = logging.getLogger(__name__)

LOCK = "goat:dispatch:lock"
LOCK_TIMEOUT_S = 10
LOCK_WAIT_S = 5
NEVER = datetime.min.replace(tzinfo=UTC)

# KEYS[1]: the queue's list; ARGV: job ids in the fair order. Atomic, so no worker sees the list half made.
# Jobs in the list but not in ARGV (added after the order was read, or a retry RQ pushed to the front) stay
# first, in their order: each addition is followed by its own arrangement.
ARRANGE = """
local current = redis.call('LRANGE', KEYS[1], 0, -1)
local present, known, seen, order = {}, {}, {}, {}
for _, id in ipairs(current) do present[id] = true end
for _, id in ipairs(ARGV) do known[id] = true end
for _, id in ipairs(current) do
  if not known[id] and not seen[id] then seen[id] = true; table.insert(order, id) end
end
for _, id in ipairs(ARGV) do
  if present[id] and not seen[id] then seen[id] = true; table.insert(order, id) end
end
redis.call('DEL', KEYS[1])
for i = 1, #order, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(order, i, math.min(i + 999, #order)))
end
return #order
"""


def fair_order(waiting: Sequence[Waiting], latest_starts: Mapping[str, datetime]) -> list[str]:
    """`waiting` oldest first; a participant never started has waited longest, and ties go to the team whose
    oldest submission came first. An anonymous upload without a name is a team of its own."""
    again = [entry.id for entry in waiting if entry.attempts > 0]
    by_team: dict[str, list[str]] = {}
    for entry in waiting:
        if entry.attempts == 0:
            by_team.setdefault(entry.participant or entry.id, []).append(entry.id)
    teams = sorted(by_team, key=lambda team: latest_starts.get(team, NEVER))
    rounds = itertools.zip_longest(*(by_team[team] for team in teams))
    return again + [job_id for each_round in rounds for job_id in each_round if job_id is not None]


def arrange(queue: Queue, store: SubmissionStore) -> None:
    """Put the queue in the fair order; under a lock, so the last arrangement read every job added before
    it. Best effort: if the lock is busy for LOCK_WAIT_S, the job keeps its place and the next addition
    arranges the queue (nothing is lost either way)."""
    connection = queue.connection
    try:
        with connection.lock(LOCK, timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_WAIT_S):
            waiting = store.waiting()
            named = {entry.participant for entry in waiting if entry.participant}
            order = fair_order(waiting, store.latest_starts(named))
            connection.eval(ARRANGE, 1, queue.key, *order)
    except LockError:
        log.warning("the queue was not arranged: its lock stayed busy for %d s", LOCK_WAIT_S)
