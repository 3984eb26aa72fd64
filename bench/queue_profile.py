"""Profile one queue page's render (cProfile), on the benchmark's database.

    .venv/bin/python bench/queue_profile.py [--runs 5] [--top 30] [--per-page 50]

Uses the database filled by queue_scale.py (BENCH_DATABASE_URL, default keiseikyo_scale) and the
same GA clerk, and prints the functions that cost the most, by their own time and cumulatively,
plus the page's in-process time. See bench/README.md.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from queue_scale import BENCH_ENV, DEFAULT_URL, _staff  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--per-page", default="50")
    parser.add_argument("--query", default="", help="extra query string, e.g. 'q=ﾔﾏﾀﾞ&status=all'")
    args = parser.parse_args()

    os.environ.update(BENCH_ENV, DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from dashboard_data import staff_client

    from django.http import QueryDict

    clerk, _supervisor = _staff()
    client = staff_client(clerk)
    params = {"per_page": args.per_page, **QueryDict(args.query).dict()}
    client.get("/staff/queue/", params)  # warm: templates, translations, connections
    timings = []
    profile = cProfile.Profile()
    for _ in range(args.runs):
        started = time.perf_counter()
        profile.enable()
        response = client.get("/staff/queue/", params)
        profile.disable()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"/staff/queue/ {params}: HTTP {response.status_code}")
    print(f"queue page {params}: median {statistics.median(timings):.1f} ms over {args.runs} runs "
          f"(profiled; load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
