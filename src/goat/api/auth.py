"""What each caller may do, as route dependencies: upload, read a submission, administer teams.

Every call that needs a token reads `Authorization: Bearer <token>` (api/authenticator.py says whose it is),
or, from a browser signed in to the web pages, the session cookie (web/sessions.py): then a request that
changes something must also carry the session's CSRF token.
A missing or unknown token is a 401 that says how to get one; a submission of another team is a 404, never
a 403, so that a stranger cannot even learn that an id exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from goat.api.authenticator import ANONYMOUS, Caller
from goat.api.deps import ServicesDep
from goat.api.services import Services
from goat.storage.tables import Submission
from goat.web.sessions import CSRF_HEADER, SAFE_METHODS, Session

HOW_TO_GET_A_TOKEN = (
    "ask the organiser for your team's token (they create it with `goat team add NAME`), then run "
    "`goat login` or send the header 'Authorization: Bearer <token>'"
)


CSRF_REFUSAL = "the page's CSRF token is missing or stale; reload the page and try again"


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


_bearer = HTTPBearer(auto_error=False, description="A team's token, or the organiser's (ADMIN_TOKEN).")


def presented_caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller | None:
    """The caller of a valid token; None without one; 401 for a token that is not (or no longer) valid.
    Without a token, the signed-in session's caller; a session whose token was revoked counts as none."""
    if credentials is None:
        return session_caller(request, services)
    caller = services.auth.identify(credentials.credentials)
    if caller is None:
        raise unauthorized(f"this token is not valid (revoked or replaced?); {HOW_TO_GET_A_TOKEN}")
    return caller


def signed_in(request: Request, services: Services) -> tuple[Caller, Session] | None:
    """The request's session and its caller; None without one, or when its token is no longer valid."""
    session = services.sessions.read(request)
    caller = None if session is None else services.auth.identify_digest(session.token_sha256)
    return None if caller is None or session is None else (caller, session)


def session_caller(request: Request, services: Services) -> Caller | None:
    """The caller of the request's session cookie; a change (POST, DELETE) through the API needs the
    session's CSRF token in the X-CSRF-Token header (a page's form sends it as a field instead)."""
    found = signed_in(request, services)
    if found is None:
        return None
    caller, session = found
    if request.method not in SAFE_METHODS and not session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, CSRF_REFUSAL)
    return caller


PresentedDep = Annotated[Caller | None, Depends(presented_caller)]
OPTIONAL_TOKEN = {"security": [{}, {"HTTPBearer": []}]}
"""openapi_extra of a route that answers without a token too (a token only changes what it shows)."""


def participant(services: ServicesDep, caller: PresentedDep) -> Caller:
    """Who may upload and read submissions: a token's holder, or anyone when ALLOW_ANONYMOUS is set."""
    if caller is not None:
        return caller
    if services.settings.allow_anonymous:
        return ANONYMOUS
    raise unauthorized(f"a token is needed; {HOW_TO_GET_A_TOKEN}")


def member(caller: PresentedDep) -> Caller:
    """A token's holder, anonymous or not allowed (GET /me)."""
    if caller is None:
        raise unauthorized(f"a token is needed; {HOW_TO_GET_A_TOKEN}")
    return caller


def admin(caller: PresentedDep) -> Caller:
    """The organiser alone."""
    if caller is None:
        raise unauthorized("the organiser's token (ADMIN_TOKEN or DATA_DIR/admin-token) is needed")
    if not caller.admin:
        raise HTTPException(403, "only the organiser's token (ADMIN_TOKEN) may do this")
    return caller


def leaderboard_reader(services: ServicesDep, caller: PresentedDep) -> Caller | None:
    """Anyone, unless LEADERBOARD_PUBLIC=false: then a token's holder."""
    if caller is None and not services.settings.leaderboard_public:
        raise unauthorized(f"the leaderboard is not public (LEADERBOARD_PUBLIC=false); {HOW_TO_GET_A_TOKEN}")
    return caller


ParticipantDep = Annotated[Caller, Depends(participant)]
MemberDep = Annotated[Caller, Depends(member)]
AdminDep = Annotated[Caller, Depends(admin)]
LeaderboardReaderDep = Annotated[Caller | None, Depends(leaderboard_reader)]


def can_read(caller: Caller, row: Submission, *, allow_anonymous: bool) -> bool:
    """Its team and the organiser read a submission; an anonymous one is anyone's while ALLOW_ANONYMOUS."""
    if caller.admin:
        return True
    if row.team_id is None:
        return allow_anonymous
    return caller.team_id == row.team_id
