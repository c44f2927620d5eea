"""The embedded default (`make run`) killed with SIGKILL mid-reply and started again: the
reply is restarted and reaches the participant within the documented time (the turn's
heartbeat lost for DYAD_TURN_LOST_SECONDS, found within a third of that, then the reply),
once; what the participant had seen of the interrupted reply is noted on its turn."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.stack import ROOT

pytestmark = pytest.mark.faults


def test_the_embedded_default_killed_mid_reply_answers_after_its_restart():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [sys.executable, "-m", "tests.faults.embedded_restart"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["interrupted_notes"] == 1, seen  # the participant's one interrupted reply
    assert seen["shown_characters"][0] > 0, seen  # its text so far outlived the process
    (after,) = seen["reply_after_kill_s"]  # one reply to it, not two
    assert 0 < after <= seen["reaped_within_s"] + 3, seen  # 3 s: the restart itself
