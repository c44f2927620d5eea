#!/usr/bin/env bash
# The scale runs of docs/benchmarks.md ("Scale, speed and faults"), in order, on real
# services and on the embedded default: results in bench/results/<name>.json. The server is
# pinned to core 0 and the load to core 1 unless a run says otherwise. About 35 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
load() { .venv/bin/python -m bench.load "$@" > /dev/null; echo "  done: $*"; }

echo "== Baseline: a bare Channels echo server"
load echo --participants 20 --replies 500 --rate 3 --duration 30 --name echo
echo "== Full turns, offline agent, closed loop"
load turns --mode real --participants 20 --messages 50 --name turns-real
load turns --mode embedded --participants 20 --messages 50 --name turns-embedded
echo "== 500 people on a fake streaming LLM (300 words at 50/s), one message every 20 s"
load open --mode real --participants 500 --rate 3 --duration 60 --llm --name open500-llm-real
load open --mode embedded --participants 500 --rate 3 --duration 60 --llm --name open500-llm-embedded
echo "== Replies streaming at once from one process"
load streams --mode real --replies 300 --name streams300-real
load streams --mode embedded --replies 300 --name streams300-embedded
echo "== 100, 300 and 1000 people arriving at once and chatting (offline agent, 1 message a minute)"
for n in 100 300 1000; do
  load crowd --mode real --participants "$n" --rate 1 --duration 120 --daphnes 2 --cpus "" \
    --name "crowd$n-scale"
done
echo "== Journey pages"
load pages --mode real --participants 50 --duration 20 --name pages-real
load pages --mode embedded --participants 50 --duration 20 --name pages-embedded
echo "== A turn with 10 and 1000 revisions in the ledger"
load ledger --mode real --revisions 10 1000 --messages 30 --cpus "" --name ledger-real
load ledger --mode embedded --revisions 10 1000 --messages 30 --cpus "" --name ledger-embedded
