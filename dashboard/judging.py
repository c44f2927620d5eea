"""The LLM judge: each reply and each probe answer scored 1-7 by a model on one of the
operator's endpoints, with the rubric of ``measures.judge``. The judge's model and the
rubric's hash go on the score; what the judge could not score stays empty, with the reason
in the score's ``errors``."""

from __future__ import annotations

from chat.agent.backends import BackendError, Finish, OpenAICompatibleBackend
from chat.agent.persona import summary

from .measures import judge as rubric

GIVE_UP_AFTER = 3  # failures in a row: the endpoint is down; the rest stays unscored


class _Judge:
    def __init__(self, study):
        endpoint = study.judge_endpoint
        self.settings = {
            "base_url": endpoint.base_url,
            "api_key_env": endpoint.api_key_env,
            "model": study.judge_model,
            "temperature": 0.0,
            "max_tokens": 200,
            "timeout": 60,
        }
        self.backend = OpenAICompatibleBackend()
        self.models: set[str] = set()
        self.errors: list[str] = []
        self.failures = 0

    def ask(self, template: str, **values) -> tuple[int | None, str]:
        if self.failures >= GIVE_UP_AFTER:
            return None, "not judged: the judge failed too often"
        pieces = []
        try:
            for piece in self.backend.stream(
                rubric.messages(template, **values), settings=self.settings
            ):
                if isinstance(piece, str):
                    pieces.append(piece)
                elif isinstance(piece, Finish) and piece.model:
                    self.models.add(piece.model)
        except BackendError as error:
            self.failures = GIVE_UP_AFTER if error.permanent else self.failures + 1
            self.errors.append(f"judge: {error}")
            return None, f"not judged: {error}"
        self.failures = 0
        return rubric.parse("".join(pieces))


def judge(score, study, lines, end_state: dict) -> None:
    """Add the judge's scores to ``score`` (its ``replies`` and ``probes`` rows) and the
    judge's provenance."""
    ask = _Judge(study)
    for i, (row, line) in enumerate(zip(score.replies, lines, strict=True)):
        row["judge_prompt_to_line"], row["judge_prompt_to_line_reason"] = ask.ask(
            rubric.PROMPT_TO_LINE, identity=summary(line.state), reply=line.text
        )
        row["judge_line_to_line"], row["judge_line_to_line_reason"] = (
            ask.ask(rubric.LINE_TO_LINE, previous=lines[i - 1].text, reply=line.text)
            if i
            else (None, "")
        )
    for row in score.probes:
        row["judge_qa"], row["judge_qa_reason"] = ask.ask(
            rubric.QA, identity=summary(end_state), question=row["question"], answer=row["answer"]
        )
    score.judge_endpoint = study.judge_endpoint.name
    score.judge_asked = study.judge_model
    score.judge_model = ", ".join(sorted(ask.models)) or study.judge_model
    score.judge_prompt_hash = rubric.RUBRIC_HASH
    score.errors += sorted(set(ask.errors))
