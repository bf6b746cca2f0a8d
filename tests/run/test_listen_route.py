"""`/listen/<token>` asks the access check again when the link is opened, with the click's place."""

from __future__ import annotations

from typing import Any

from bot.listen import tokens
from bot.listen.tokens import ListenGrant
from bot.run.listen_route import serve_listen
from bot.signing import Signer
from bot.slack.access import Refusal, Requester

SIGNER = Signer("route-secret", "listen")
GRANT = ListenGrant("c2186400-1c8c-11e4-a664-0026b945b52x", "U0GONE", "T0FAKE", "C0ROOM", "T0FAKE")


class Listening:
    """Just what the route reads before it asks Plivo; asking Plivo is a failure here."""

    mode = "link"
    signer = SIGNER

    async def locate(self, grant: ListenGrant) -> Any:
        raise AssertionError("a refused link must not reach Plivo")


class Access:
    def __init__(self, refusal: Refusal | None) -> None:
        self.refusal = refusal
        self.asked: list[Requester] = []

    async def check(self, who: Requester) -> Refusal | None:
        self.asked.append(who)
        return self.refusal


async def _get(access: Access) -> tuple[int, str]:
    token = tokens.issue(SIGNER, GRANT, ttl_s=60)
    scope = {"type": "http", "method": "GET", "path": f"/listen/{token}", "headers": []}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await serve_listen(Listening(), scope, receive, send, access=access)  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body.decode()


async def test_a_person_no_longer_allowed_gets_403_and_plivo_is_not_asked() -> None:
    access = Access(Refusal("not_allowed", "You can't use `/recordings` here."))
    status, text = await _get(access)
    assert status == 403 and "You can't use /recordings here." in text
    (who,) = access.asked
    assert (who.user, who.channel, who.team, who.user_team) == (
        "U0GONE",
        "C0ROOM",
        "T0FAKE",
        "T0FAKE",
    )


def test_the_token_carries_the_clicks_place() -> None:
    assert tokens.read(SIGNER, tokens.issue(SIGNER, GRANT, ttl_s=60)) == GRANT
