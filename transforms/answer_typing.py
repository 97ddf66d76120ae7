"""Answer typing: put each answer's value in the right typed column, decided by its question.

A WXM Response carries `textInput` (string or null) and `numberInput` (int, 0 for non-numeric
answers). Only the question's `displayType` says which of the two is the answer, so typing needs the
catalog; an answer to a question the catalog does not know is typed best-effort and flagged.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transforms.catalog import QuestionInfo, ValueKind
from transforms.timestamps import parse_date


@dataclass(frozen=True)
class TypedValue:
    """One answer's value, spread over the typed columns (None where it does not apply)."""

    kind: ValueKind | None
    value_number: float | None = None
    value_text: str | None = None
    value_date: dt.date | None = None
    value_options: list[str] | None = None


def type_answer(response: Mapping[str, Any], question: QuestionInfo | None) -> TypedValue:
    """Type one answered question.

    Rules, by the question's kind:

    * number (`Scale`, `Slider`, `Number`, `Smile-5`, `Star-5`): `value_number` from `numberInput`,
      or from a numeric `textInput` when `numberInput` is missing or 0.
    * text (`Text`, `MultilineText`, `File`): `value_text`; never a number.
    * date (`Date`): `value_date` parsed from `textInput`, raw text kept in `value_text`.
    * options (`Select`, `Dropdown`: one option; `MultiSelect`, `OrderBy`: several, split with the
      question's known labels): `value_options`, raw text kept in `value_text`.
    * unknown (no question, or a type such as `Flag`): kind `text` with `value_text` when there is
      text (and `value_number` too if that text is a number), else kind `number` from
      `numberInput`.

    `value_text` always holds `textInput` as received (stripped of nothing), so no information of
    the answer is lost.

    Args:
        response: One item of an Answer's `responses` list.
        question: The catalog entry, or None when the id is unknown.

    Returns:
        The typed value.
    """
    text = response.get("textInput")
    text = text if isinstance(text, str) and text != "" else None
    number = _as_float(response.get("numberInput"))
    kind = question.kind if question is not None else None

    if kind == "number":
        text_number = _as_float(text)
        if number is None or (number == 0 and text_number is not None):
            number = text_number
        return TypedValue(kind, value_number=number, value_text=text)
    if kind == "text":
        return TypedValue(kind, value_text=text)
    if kind == "date":
        return TypedValue(kind, value_text=text, value_date=parse_date(text))
    if kind == "options":
        assert question is not None
        options: list[str] | None = None
        if text is not None:
            options = (
                split_options(text, question.options)
                if question.is_multi_option
                else [text.strip()]
            )
        return TypedValue(kind, value_text=text, value_options=options or None)

    if text is not None:
        return TypedValue("text", value_text=text, value_number=_as_float(text))
    return TypedValue("number", value_number=number)


def split_options(text: str, known: Sequence[str]) -> list[str]:
    """Split a multi-select answer into its options, keeping labels that contain commas whole.

    The API joins the chosen labels with commas, and labels may contain commas themselves. At each
    position the longest run of comma-separated pieces that equals a known label (ignoring
    surrounding spaces and case) is taken; a piece no known label covers is kept as it is.

    Args:
        text: The answer's `textInput`, e.g. `"Price, value,Speed"`.
        known: The question's option labels (`multiSelect`), e.g. `["Price, value", "Speed"]`.

    Returns:
        The chosen options in answer order, known ones spelled as the question spells them.
    """
    canonical = {label.strip().casefold(): label.strip() for label in known if label.strip()}
    pieces = text.split(",")
    longest = max((label.count(",") for label in canonical.values()), default=0) + 1
    chosen: list[str] = []
    start = 0
    while start < len(pieces):
        match_end = None
        for end in range(min(len(pieces), start + longest), start, -1):
            candidate = ",".join(pieces[start:end]).strip().casefold()
            if candidate in canonical:
                match_end = end
                chosen.append(canonical[candidate])
                break
        if match_end is None:
            piece = pieces[start].strip()
            if piece:
                chosen.append(piece)
            match_end = start + 1
        start = match_end
    return chosen


def _as_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
