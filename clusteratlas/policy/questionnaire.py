"""The stress-test questionnaire: a YAML file typed by pydantic v2 models.

A questionnaire has ``thresholds`` (the traffic lights), ``scales`` (named answer scales:
whole-number ``options`` with labels, and an optional "don't know / not applicable" label),
and ``themes``, each with ``questions`` (``id``, ``text``, ``scale``, ``weight`` and
``advice``: the advice to give for a chosen answer value). The format is documented in
``docs/stress-test.md``; the JSON Schema is ``docs/schemas/questionnaire.schema.json``.

The file is read by the project's one YAML reader (:mod:`clusteratlas.yamlfile`), so every
error has a line. Unlike the other YAML files, a questionnaire reports **every** error at
once, one line each, naming the file, the line and the question::

    q.yaml, line 14, question 'strategy.vision': weight: Input should be greater than 0 (got '-1')
    q.yaml, line 20, question 'strategy.owner': scale 'maturty' is not defined (scales: maturity)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from clusteratlas.errors import InputError
from clusteratlas.yamlfile import error_message, field_path, line_of, read_yaml

PACKAGED = Path(__file__).resolve().parent / "data" / "stress-test.yaml"
ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_Model):
    """One answer of a scale: the whole number that is scored and the label people read."""

    value: int = Field(ge=0, le=100)
    label: str = Field(min_length=1)


class Scale(_Model):
    """An answer scale: at least two options with distinct values.

    A question on this scale scores ``(value - lowest) / (highest - lowest)``. ``na_label``,
    when given, offers an extra answer ("don't know / not applicable") that is not scored.
    """

    options: list[Option] = Field(min_length=2)
    na_label: str | None = None

    @property
    def values(self) -> list[int]:
        return [o.value for o in self.options]

    @property
    def lowest(self) -> int:
        return min(self.values)

    @property
    def highest(self) -> int:
        return max(self.values)

    def label(self, value: int | None) -> str:
        if value is None:
            return self.na_label or "not applicable"
        return next((o.label for o in self.options if o.value == value), str(value))


class Question(_Model):
    """A question: its text, the scale it is answered on, its weight in its theme, advice."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    text: str = Field(min_length=1)
    help: str = ""
    scale: str
    weight: float = Field(default=1.0, gt=0)
    #: answer value (as text, e.g. ``"0"``) -> the advice given when that answer is chosen
    advice: dict[str, str] = Field(default_factory=dict)


class Theme(_Model):
    """A theme: questions scored together, with the theme's weight in the overall score."""

    id: str = Field(pattern=ID_PATTERN, max_length=60)
    title: str = Field(min_length=1)
    description: str = ""
    weight: float = Field(default=1.0, gt=0)
    questions: list[Question] = Field(min_length=1)


class Thresholds(_Model):
    """Traffic lights: ``red`` below ``amber``, ``amber`` from ``amber`` to below ``green``,
    ``green`` from ``green`` up (scores 0-100)."""

    amber: float = Field(ge=0, le=100)
    green: float = Field(ge=0, le=100)


class QuestionnaireFile(_Model):
    """A stress-test questionnaire (the YAML file)."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    thresholds: Thresholds
    scales: dict[str, Scale] = Field(min_length=1)
    themes: list[Theme] = Field(min_length=1)


class Questionnaire:
    """A validated questionnaire with look-ups by id (``question(qid)``, ``theme(tid)``)."""

    def __init__(self, model: QuestionnaireFile, source: str) -> None:
        self.model = model
        self.source = source
        self.id = model.id
        self.version = model.version
        self.title = model.title
        self.description = model.description
        self.thresholds = model.thresholds
        self.scales = model.scales
        self.themes = model.themes
        self._questions = {q.id: (t, q) for t in model.themes for q in t.questions}

    @property
    def questions(self) -> list[Question]:
        return [q for t in self.themes for q in t.questions]

    def question(self, qid: str) -> Question:
        return self._questions[qid][1]

    def theme_of(self, qid: str) -> Theme:
        return self._questions[qid][0]

    def theme(self, tid: str) -> Theme:
        for t in self.themes:
            if t.id == tid:
                return t
        raise KeyError(tid)

    def scale_of(self, qid: str) -> Scale:
        return self.scales[self.question(qid).scale]

    def to_json(self) -> dict[str, Any]:
        """The questionnaire as plain JSON (what the API serves)."""
        return {"source": self.source, **self.model.model_dump()}

    def __repr__(self) -> str:
        return f"Questionnaire({self.id!r}, version={self.version!r}, themes={len(self.themes)})"


class QuestionnaireErrors(InputError):
    """Every error of a questionnaire file; ``errors`` holds one line per error.

    ``str()`` is those lines joined by newlines: one line per error, each naming the file,
    the line and (where there is one) the question.
    """

    def __init__(self, file: str, errors: list[str]) -> None:
        self.errors = errors
        self.file_name = file
        super().__init__(f"{len(errors)} error(s) in the questionnaire", file=file)

    def __str__(self) -> str:
        return "\n".join(self.errors)


def _user_loc(loc: tuple, data: Any) -> list[str | int]:
    """The part of a pydantic location that is the user's own keys and list positions."""
    out: list[str | int] = []
    cur = data
    for part in loc:
        if isinstance(part, int) and isinstance(cur, list):
            out.append(part)
            cur = cur[part] if 0 <= part < len(cur) else None
        elif isinstance(part, str) and isinstance(cur, Mapping):
            out.append(part)
            cur = cur.get(part)
        else:
            break
    return out


def _question_at(data: Any, loc: list[str | int]) -> str | None:
    """The id of the question a location is inside (``themes[i].questions[j]...``)."""
    if len(loc) >= 4 and loc[0] == "themes" and loc[2] == "questions":
        try:
            qid = data["themes"][loc[1]]["questions"][loc[3]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return str(qid) if qid is not None else f"themes[{loc[1]}].questions[{loc[3]}]"
    return None


def _theme_at(data: Any, loc: list[str | int]) -> str | None:
    if len(loc) >= 2 and loc[0] == "themes":
        try:
            tid = data["themes"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return str(tid) if tid is not None else None
    return None


def _line(file: str, line: int | None, where: str | None, message: str) -> str:
    parts = [file]
    if line is not None:
        parts.append(f"line {line}")
    if where:
        parts.append(where)
    return f"{', '.join(parts)}: {message}"


def _where(data: Any, loc: list[str | int]) -> str | None:
    qid = _question_at(data, loc)
    if qid:
        return f"question {qid!r}"
    tid = _theme_at(data, loc)
    return f"theme {tid!r}" if tid else None


def _schema_errors(exc: pydantic.ValidationError, data: Any, file: str) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _user_loc(err["loc"], data)
        msg = error_message(err, quote=60)
        inside_q = _question_at(data, loc)
        rel = loc[4:] if inside_q else loc
        path = field_path(rel)
        if path:
            msg = f"{path}: {msg}"
        out.append(_line(file, line_of(data, loc), _where(data, loc), msg))
    return out


def _rule_errors(model: QuestionnaireFile, data: Any, file: str) -> list[str]:
    """Checks across values: unique ids, known scales, advice for answers that exist."""
    out: list[str] = []
    t = model.thresholds
    if not t.amber < t.green:
        out.append(
            _line(
                file,
                line_of(data, ["thresholds"]),
                None,
                f"thresholds: amber ({t.amber:g}) must be below green ({t.green:g})",
            )
        )
    for name, scale in model.scales.items():
        values = scale.values
        if len(set(values)) != len(values):
            out.append(
                _line(
                    file,
                    line_of(data, ["scales", name]),
                    f"scale {name!r}",
                    "two options have the same value",
                )
            )
    seen_themes: set[str] = set()
    seen_q: dict[str, int | None] = {}
    for i, theme in enumerate(model.themes):
        if theme.id in seen_themes:
            out.append(
                _line(
                    file,
                    line_of(data, ["themes", i, "id"]),
                    f"theme {theme.id!r}",
                    "theme id used twice",
                )
            )
        seen_themes.add(theme.id)
        for j, q in enumerate(theme.questions):
            loc: list[str | int] = ["themes", i, "questions", j]
            where = f"question {q.id!r}"
            if q.id in seen_q:
                out.append(
                    _line(
                        file,
                        line_of(data, [*loc, "id"]),
                        where,
                        f"question id used twice (first on line {seen_q[q.id]})",
                    )
                )
            else:
                seen_q[q.id] = line_of(data, [*loc, "id"])
            scale = model.scales.get(q.scale)
            if scale is None:
                out.append(
                    _line(
                        file,
                        line_of(data, [*loc, "scale"]),
                        where,
                        f"scale {q.scale!r} is not defined (scales: {', '.join(model.scales)})",
                    )
                )
                continue
            allowed = {str(v) for v in scale.values}
            for key in q.advice:
                if key not in allowed:
                    out.append(
                        _line(
                            file,
                            line_of(data, [*loc, "advice", key]),
                            where,
                            f"advice for answer {key!r}, which scale {q.scale!r} does not "
                            f"have (answers: {', '.join(sorted(allowed, key=int))})",
                        )
                    )
    return out


def parse_questionnaire(text: str, *, file: str | Path = "<questionnaire>") -> Questionnaire:
    """Type and check questionnaire YAML text; raise :class:`QuestionnaireErrors` listing
    every error (one line each), or :class:`~clusteratlas.errors.InputError` for text that
    is not YAML at all."""
    name = str(file)
    data = read_yaml(text, file=name)
    if not isinstance(data, Mapping):
        raise QuestionnaireErrors(name, [_line(name, 1, None, "a questionnaire is a mapping")])
    try:
        model = QuestionnaireFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise QuestionnaireErrors(name, _schema_errors(exc, data, name)) from None
    errors = _rule_errors(model, data, name)
    if errors:
        raise QuestionnaireErrors(name, errors)
    return Questionnaire(model, name)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Questionnaire:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path) from None
    return parse_questionnaire(text, file=path)


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Read a questionnaire file; ``None`` is the project's packaged questionnaire.

    Errors name the file, the line and the question, all of them at once
    (:class:`QuestionnaireErrors`).
    """
    p = Path(path) if path is not None else PACKAGED
    if not p.is_file():
        raise InputError("file not found", file=p)
    return _load_cached(str(p), p.stat().st_mtime_ns)
