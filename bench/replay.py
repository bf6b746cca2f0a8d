"""`python -m bench.replay`: Plivo requests per answered page, counted without timing anything.

The benchmark's mix (bench.mix) and click model, replayed in one process through the bot's own
query parser and Plivo client against the sample API (in-process, `httpx.MockTransport`), once
with the row cache the app uses (`PageCache`) and once without: how many Plivo requests each
answered page cost, and how many Next clicks on pages of 10 rows or fewer cost none. No servers,
no clock, no concurrency, so the counts do not depend on how busy the machine is (the timed
benchmark's do, a little: requests shared between people in flight, and clicks sent later than
a cache entry lives).

    python -m bench.replay                     # the realistic mix, 2,000 commands
    python -m bench.replay --mix repeat --commands 5000 --seed 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bench.driver import user_id
from bench.fakes import zone_of
from bench.mix import DEFAULT_PAGE_SIZE, MIXES, RealisticMix, RepeatMix
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.plivo import PlivoClient
from bot.plivo.cache import PageCache
from bot.query import parse
from bot.sample_api import SampleApi
from bot.slack.listeners import range_args


@dataclass
class Tally:
    commands: int = 0
    pages: int = 0
    requests: int = 0
    # (action, on a page of 10 rows or fewer, cost no request) → clicks
    clicks: Counter[tuple[str, bool, bool]] = field(default_factory=Counter)

    def line(self, name: str) -> str:
        clicks = self.clicks
        sent = self.commands + sum(clicks.values())
        nexts = sum(n for (a, _, _), n in clicks.items() if a == "next")
        prevs = sum(n for (a, _, _), n in clicks.items() if a == "prev")
        small = sum(n for (a, s, _), n in clicks.items() if a == "next" and s)
        free = sum(n for (a, s, f), n in clicks.items() if a == "next" and s and f)
        return (
            f"{name}: {self.pages:,} pages answered, {self.requests:,} Plivo requests, "
            f"{self.requests / self.pages:.3f} per page; Next clicks {100 * nexts / sent:.1f}% "
            f"and Prev {100 * prevs / sent:.1f}% of requests; Next clicks on pages of ≤ 10 rows "
            f"with no request: {free:,} of {small:,} ({100 * free / max(1, small):.1f}%)"
        )


async def replay(args: argparse.Namespace, *, cached: bool) -> Tally:
    now = datetime.now(UTC)
    sample = SampleApi(now=now)
    asked = 0

    async def plivo(request: httpx.Request) -> httpx.Response:
        nonlocal asked
        asked += 1
        return await sample.handler(request)

    client = PlivoClient(
        auth_id=SAMPLE_AUTH_ID,
        auth_token=SAMPLE_AUTH_TOKEN,
        transport=httpx.MockTransport(plivo),
        cache=PageCache() if cached else None,
    )
    mix = RealisticMix(sample) if args.mix == "realistic" else RepeatMix()
    people = [random.Random(f"{args.seed}:replay:{i}") for i in range(args.people)]
    tally = Tally()
    async with client:
        for n in range(args.commands):
            rng = people[n % args.people]
            command = mix.draw(rng)
            tally.commands += 1
            if not command.page:
                continue
            query = parse(command.text, now, zone_of(user_id(n % args.people)))
            page = await client.list_range(**range_args(query), new_search=True)
            tally.pages += 1
            offset = 0
            while True:  # the driver's click model: Next, else Prev, where the page has it
                roll = rng.random()
                if roll < args.click_share and page.has_more:
                    action, offset = "next", offset + query.page_size
                elif args.click_share <= roll < args.click_share + args.prev_share and offset:
                    action, offset = "prev", max(0, offset - query.page_size)
                else:
                    break
                before = asked
                turned = query.model_copy(update={"offset": offset, "window_counts": page.counts})
                page = await client.list_range(**range_args(turned))
                tally.pages += 1
                small = query.page_size <= DEFAULT_PAGE_SIZE
                tally.clicks[(action, small, asked == before)] += 1
    tally.requests = asked
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__)
    parser.add_argument("--mix", choices=sorted(MIXES), default="realistic")
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--click-share", type=float, default=0.4)
    parser.add_argument("--prev-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for cached, name in ((True, "with the row cache"), (False, "without a cache")):
        print(asyncio.run(replay(args, cached=cached)).line(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
