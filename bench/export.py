"""`python -m bench.export`: how fast a 50,000-row export runs against the fake Plivo at Plivo's
rate limit, and how much memory the bot holds meanwhile.

It starts the sample Plivo API (`python -m bot.sample_api`) holding `--rows` recordings, with
`--latency-ms` before each answer, in a process of its own; the fake Slack of the tests (DM,
`chat.update`, the external file upload) in this process; and the bot as the Procfile runs it
(`python -m bot serve`), with its real limiter (300 requests per 5 s; exports take at most 80% of
it). Then it sends one signed `/recordings export` covering every recording, follows the progress
message to "Done", checks the uploaded CSV has every row, and prints rows per second and the bot's
resident memory: before, at each progress update (flat if rows go to the file, not to memory),
and its peak (the kernel's high-water mark, Linux; sampled elsewhere), which includes the upload
(streamed from the file, so it should stay flat too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.__main__ import free_port, procfile_web
from bench.fakes import BOT_TOKEN, HOST, ROOT, SIGNING_SECRET, ServerProcess, base_env
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from tests.fakes.slack import FakeSlack

USER = "U0BENCHEXPORT"
CANCEL = "recordings_export_cancel"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="recordings to export")
    parser.add_argument(
        "--latency-ms", type=float, default=150.0, help="the fake Plivo's delay per answer"
    )
    return parser


async def start_sample_api(rows: int, latency_ms: float) -> tuple[asyncio.subprocess.Process, str]:
    argv = ["--port", "0", "--count", str(rows), "--latency-ms", str(latency_ms)]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sample_api",
        *argv,
        cwd=ROOT,
        env=base_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
    if "ready on " not in line:
        process.kill()
        raise RuntimeError(f"the sample Plivo API did not start: {line!r}")
    return process, line.split("ready on ")[1].split()[0]


def command(text: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": "T0FAKE",
            "channel_id": "C0BENCH",
            "user_id": USER,
            "command": "/recordings",
            "text": text,
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )
    ts = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }
    return body.encode(), headers


def _mb(value: float) -> str:
    return f"{value / 1e6:.1f} MB"


async def run(args: argparse.Namespace) -> int:
    plivo, plivo_url = await start_sample_api(args.rows, args.latency_ms)
    slack = await FakeSlack(token=BOT_TOKEN, user_zones={USER: "UTC"}).start()
    port = free_port()
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
        "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
        "PLIVO_BASE_URL": plivo_url,
        "PLIVO_SAMPLE_DATA": "false",
        "ALLOW_EVERYONE": "true",
        "PUBLIC_URL": "https://recordings.bench.test",  # serve needs one (for listen links)
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "EXPORT_MAX_ROWS": str(max(50_000, args.rows)),
    }
    bot = await ServerProcess("bot", procfile_web(port), env, port, "/healthz", False).start()
    try:
        return await measure(args, bot, slack)
    finally:
        await bot.stop()
        await slack.stop()
        plivo.terminate()
        with contextlib.suppress(ProcessLookupError):
            await plivo.wait()


async def measure(args: argparse.Namespace, bot: ServerProcess, slack: FakeSlack) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    since = (now - timedelta(days=76)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    baseline = bot.rss()
    body, headers = command(f"export since={since} until={until}", slack.response_url("bench"))
    began = time.perf_counter()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"http://{HOST}:{bot.port}/slack/events", data=body, headers=headers) as r,
    ):
        ack = await r.json()
    print(f"ack: {ack.get('text')}")
    await slack.wait_until(lambda: bool(slack.posted), 30)
    ts = slack.posted[0]["ts"]
    samples: list[tuple[str, int]] = []
    while True:
        seen = len(slack.updates)
        await slack.wait_until(lambda seen=seen: len(slack.updates) > seen, 600)
        latest = slack.updates[-1]
        if latest["ts"] != ts:
            continue
        if CANCEL not in str(latest.get("blocks")):
            break
        samples.append((latest["text"].split(" · ")[-3:][0], bot.rss()))
        print(f"  {samples[-1][0]:>26}   bot RSS {_mb(samples[-1][1])}")
    elapsed = time.perf_counter() - began
    print(f"final: {latest['text']}")
    (data,) = [body for body in slack.uploaded.values() if body]
    rows = len(list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))) - 1
    fetching = [rss for _, rss in samples]
    bot.rss()
    print()
    print(f"rows exported        {rows:,} of {args.rows:,} ({len(data) / 1e6:.1f} MB of CSV)")
    print(
        f"time                 {elapsed:.1f} s, command to Done (fake Plivo {args.latency_ms:g} ms)"
    )
    print(f"rows per second      {rows / elapsed:,.0f}")
    print(f"bot RSS before       {_mb(baseline)}")
    if fetching:
        print(
            f"bot RSS while        {_mb(min(fetching))} – {_mb(max(fetching))} "
            f"(median {_mb(statistics.median(fetching))}, {len(fetching)} progress updates)"
        )
    print(f"bot peak RSS         {_mb(bot.peak_rss)} (with the upload)")
    return 0 if rows == args.rows else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
