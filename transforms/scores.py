"""Response scores: NPS score and category, CSAT and CES, from the tagged questions' answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from transforms.answer_typing import TypedValue
from transforms.catalog import QuestionInfo

NpsCategory = Literal["promoter", "passive", "detractor"]


def nps_category(score: int | None, passive: tuple[int, int] = (7, 8)) -> NpsCategory | None:
    """Classify a 0-10 recommend score.

    Args:
        score: The NPS answer, or None.
        passive: The account's inclusive passive band (settings `npsRange`, e.g. `"7,8"`).

    Returns:
        `detractor` below the band, `passive` inside it, `promoter` above it; None without a score.
    """
    if score is None:
        return None
    low, high = passive
    if score < low:
        return "detractor"
    if score <= high:
        return "passive"
    return "promoter"


def nps(promoters: int, detractors: int, scored: int) -> float | None:
    """Net Promoter Score (-100 to 100): % promoters minus % detractors; None without scores."""
    if scored == 0:
        return None
    return 100.0 * (promoters - detractors) / scored


@dataclass(frozen=True)
class ResponseScores:
    """The scores of one response (None where its questionnaire has no such question)."""

    nps_score: int | None = None
    nps_category: NpsCategory | None = None
    csat_score: float | None = None
    ces_score: float | None = None


def response_scores(
    answers: Iterable[tuple[QuestionInfo | None, TypedValue]], passive: tuple[int, int]
) -> ResponseScores:
    """Read the scores off a response's typed answers (before any personal-data policy).

    The first answer to a question tagged `NPS` with a whole number from 0 to 10 gives the NPS
    score; the first numeric answers to `CSAT`- and `CES`-tagged questions give those scores on the
    question's own scale.

    Args:
        answers: `(question or None, typed value)` per answered question, in answer order.
        passive: The NPS passive band.

    Returns:
        The scores.
    """
    nps_score: int | None = None
    csat: float | None = None
    ces: float | None = None
    for question, value in answers:
        if question is None or value.value_number is None:
            continue
        number = value.value_number
        is_nps = question.has_tag("NPS") and number.is_integer() and 0 <= number <= 10
        if nps_score is None and is_nps:
            nps_score = int(number)
        if csat is None and question.has_tag("CSAT"):
            csat = number
        if ces is None and question.has_tag("CES"):
            ces = number
    return ResponseScores(nps_score, nps_category(nps_score, passive), csat, ces)
