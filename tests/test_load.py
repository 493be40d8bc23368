"""32 users at once on one `speechqa serve`: every answer right, every conversation private, nothing lost.

The real server runs in a subprocess on a free loopback port against a copy of the session's index;
each conversation is its own `gradio_client.Client` (its own session) in its own thread and asks a
question and a follow-up through `/chat` and `/ask`. The answers must equal what `Assistant.ask`
gives for the same question and history. Timings are recorded by `speechqa reliability`, not asserted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
pytestmark = pytest.mark.slow
USERS = 32
HAITI = "What does the statement say about Haiti?"


def test_32_concurrent_conversations_are_all_answered_correctly_and_privately(speech_index: Path, tmp_path: Path,
                                                                             assistant) -> None:
    from ui.reliability_cmd import CONVERSATIONS, load_trial, serving, wrong_answers

    index = tmp_path / "index"
    shutil.copytree(speech_index, index)
    with serving(index, tmp_path / "serve.log") as (url, pid):
        result = load_trial(url, pid, USERS, deadline_s=600)
    assert result.errors == [] and result.unfinished == 0
    assert len(result.turns) == USERS * 2 and {t.conversation for t in result.turns} == set(range(USERS))
    assert wrong_answers(result, assistant) == []
    haiti = [t for t in result.turns if t.question == HAITI]
    assert len(haiti) == len(range(0, USERS, len(CONVERSATIONS)))
    assert all(t.asked["citations"][0]["paragraph"] == 7 for t in haiti)
    follow_ups = [t for t in result.turns if t.history]
    assert all(t.user_turns == CONVERSATIONS[t.conversation % 3] for t in follow_ups)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
    figures = result.figures(USERS)
    assert figures["load_requests"] == USERS * 4 and figures["load_errors"] == []
