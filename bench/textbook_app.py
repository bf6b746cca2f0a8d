"""The textbook Bolt app: the benchmark's reference, written the way Bolt's docs show it.

AsyncApp with a signing secret and an `AsyncWebClient` (the bot token, the fake Slack's URL),
`@app.command` → `await ack()`, one module-level shared `httpx.AsyncClient` for Plivo's List
Recordings (Basic auth, `limit=10`, the last 7 days), `await respond(...)` with a plain list, and
Bolt's built-in aiohttp server (`app.start`). It reads no command text and has no buttons.
Run by the benchmark as `python -m bench.textbook_app` with the same environment as the bot.
"""

import logging
import os
from datetime import UTC, datetime, timedelta

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
AUTH_ID, TOKEN = os.environ["PLIVO_AUTH_ID"], os.environ["SLACK_BOT_TOKEN"]
PLIVO_URL = f"{os.environ['PLIVO_BASE_URL']}/v1/Account/{AUTH_ID}/Recording/"
plivo = httpx.AsyncClient(auth=(AUTH_ID, os.environ["PLIVO_AUTH_TOKEN"]), timeout=10)
# The token rides in the client (passing `token=` as well only makes Bolt warn that it is skipped).
app = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=AsyncWebClient(token=TOKEN, base_url=os.environ["SLACK_API_URL"]),
)


@app.command("/recordings")
async def recordings(ack, respond):
    await ack()
    now = datetime.now(UTC)
    since, until = (t.strftime("%Y-%m-%d %H:%M:%S") for t in (now - timedelta(days=7), now))
    params = {"limit": 10, "add_time__gte": since, "add_time__lt": until}
    rows = (await plivo.get(PLIVO_URL, params=params)).json()["objects"]
    line = "{add_time:.16} · {recording_type} · <{recording_url}|listen>"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": line.format(**row)}} for row in rows
    ]
    await respond(text=f"{len(rows)} recordings", blocks=blocks)


if __name__ == "__main__":
    app.start(port=int(os.environ.get("PORT", "3000")), host="127.0.0.1")
