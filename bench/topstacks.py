"""Summarise a py-spy raw (collapsed) profile: the functions with the most samples, inclusive
and exclusive, in our code and overall.

    python -m bench.topstacks bench/results/daphne0.prof [--ours] [--top 30]
"""

from __future__ import annotations

import argparse
from collections import Counter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--ours", action="store_true", help="only frames in Dyad's code")
    parser.add_argument("--active", action="store_true", help="leave out idle waits")
    args = parser.parse_args()
    inclusive, exclusive, total = Counter(), Counter(), 0
    with open(args.path, encoding="utf-8") as lines:
        rows = [line.rstrip().rpartition(" ") for line in lines]
    waits = ("select", "epoll", "wait", "sleep", "acquire")
    for stack, _, count in rows:
        n = int(count)
        frames = stack.split(";")
        if args.active and any(w in frames[-1] for w in waits):
            continue
        total += n
        exclusive[frames[-1]] += n
        for frame in set(frames):
            if not args.ours or ours(frame):
                inclusive[frame] += n
    print(f"{total} samples")
    print("-- inclusive")
    for frame, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")
    print("-- exclusive")
    for frame, n in exclusive.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {frame[:150]}")


def ours(frame: str) -> bool:
    where = frame.rpartition(" (")[2]
    return where.startswith(("chat/", "studies/", "dashboard/", "questionnaires/", "config/"))


if __name__ == "__main__":
    main()
