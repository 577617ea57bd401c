"""The one YAML reader: every scalar kept as text with its line, then typed by a pydantic model.

Cluster schemes, scoreboard frameworks, Eurostat recipes and the open-data edition are YAML
files that people edit. A plain YAML loader guesses types: it turns the NACE code ``01.10``
into the float ``1.1`` and the code ``011`` into the octal number ``9``. This reader does not
guess. :func:`read_yaml` walks the document as YAML *nodes* and returns

* every scalar as :class:`Text` — a ``str`` exactly as written, with the ``line`` it is on
  (a bare empty value or ``~``/``null`` is ``None``);
* every mapping as :class:`LineDict` and every sequence as :class:`LineList`, both with the
  ``line`` they start on.

:func:`validate` then types that text with a pydantic v2 model (``"2"`` becomes ``2.0`` where
the model says ``float``; a ``str`` field keeps ``"01.10"``) and turns the first validation
error into an :class:`~clusteratlas.errors.InputError` naming the file, the line and the field
path (``clusters[0].industries[2].weight``). :func:`with_lines` puts the lines back on the
typed data for checks that span several values. The models publish the JSON Schemas in
``docs/schemas/`` (see ``scripts/write_schemas.py``).

>>> doc = read_yaml("codes: [01.10, 011, '26']\\nweight: 0.5\\n")
>>> doc["codes"], doc["codes"][1].line, doc["weight"]
(['01.10', '011', '26'], 1, '0.5')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from clusteratlas.errors import InputError

M = TypeVar("M", bound=pydantic.BaseModel)

_NULL_TAG = "tag:yaml.org,2002:null"


class Text(str):
    """A YAML scalar exactly as written, with its 1-based ``line``."""

    line: int | None = None

    def __new__(cls, value: str, line: int | None = None) -> Text:
        obj = super().__new__(cls, value)
        obj.line = line
        return obj


class LineDict(dict):
    """A YAML mapping with the ``line`` it starts on and the line of each key (``key_lines``)."""

    line: int | None = None
    key_lines: dict[str, int]


class LineList(list):
    """A YAML sequence with the ``line`` it starts on."""

    line: int | None = None


# Written back (e.g. Framework.to_yaml) they are plain YAML text, mappings and lists.
yaml.SafeDumper.add_representer(Text, yaml.representer.SafeRepresenter.represent_str)
yaml.SafeDumper.add_representer(LineDict, yaml.representer.SafeRepresenter.represent_dict)
yaml.SafeDumper.add_representer(LineList, yaml.representer.SafeRepresenter.represent_list)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _convert(node: yaml.Node, file: str | Path | None) -> Any:
    if isinstance(node, yaml.ScalarNode):
        # a plain empty value or ~/null means "not given"; a quoted '' stays an empty text
        if node.tag == _NULL_TAG:
            return None
        return Text(node.value, _line(node))
    if isinstance(node, yaml.SequenceNode):
        out_list = LineList(_convert(item, file) for item in node.value)
        out_list.line = _line(node)
        return out_list
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line = _line(node)
        out.key_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError("a mapping key must be text", file=file, line=_line(key_node))
            key = key_node.value
            if key == "<<":
                raise InputError("YAML merge keys (<<) are not supported", file=file,
                                 line=_line(key_node))  # fmt: skip
            if key in out:
                raise InputError(
                    f"key {key!r} appears twice in one mapping",
                    file=file,
                    line=_line(key_node),
                    column=key,
                )
            out[key] = _convert(value_node, file)
            out.key_lines[key] = _line(key_node)
        return out
    raise InputError(f"unsupported YAML node {type(node).__name__}", file=file)  # pragma: no cover


def read_yaml(text: str, *, file: str | Path | None = None) -> Any:
    """Parse YAML text into :class:`Text` / :class:`LineDict` / :class:`LineList` values.

    Raises :class:`~clusteratlas.errors.InputError` (with the line) for invalid YAML and for a
    key given twice in one mapping; an empty document is ``None``.

    >>> read_yaml("a: 1\\na: 2\\n", file="x.yaml")
    Traceback (most recent call last):
    ...
    clusteratlas.errors.InputError: x.yaml, line 2, column 'a': key 'a' appears twice in one mapping
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"not valid YAML ({problem})", file=file, line=line) from None
    return None if root is None else _convert(root, file)


def read_yaml_file(path: str | Path) -> Any:
    """:func:`read_yaml` of a UTF-8 file (errors name the file)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path) from None
    return read_yaml(text, file=path)


def line_of(data: Any, loc: Sequence[str | int]) -> int | None:
    """The line of the value at ``loc`` in data from :func:`read_yaml` (or of its nearest
    ancestor that has one); for a key that is missing or unknown, the line of the mapping.

    >>> doc = read_yaml("a:\\n  - x\\n  - {b: 1}\\n")
    >>> line_of(doc, ["a", 1, "b"]), line_of(doc, ["a", 1, "zz"]), line_of(doc, [])
    (3, 3, 1)
    """
    line = getattr(data, "line", None)
    cur = data
    for part in loc:
        if isinstance(cur, Mapping) and isinstance(part, str) and part in cur:
            key_lines = getattr(cur, "key_lines", {})
            cur = cur[part]
            line = getattr(cur, "line", None) or key_lines.get(part, line)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
            line = getattr(cur, "line", line)
        else:
            break
    return line


def field_path(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a field path: ``clusters[0].industries[2].weight``.

    >>> field_path(("clusters", 0, "industries", 2, "weight"))
    'clusters[0].industries[2].weight'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def error_message(err: Mapping[str, Any], *, quote: int | None = None) -> str:
    """A pydantic error in a file author's words: ``missing key``, ``unknown key``, or
    pydantic's message with the offending text (cut to ``quote`` characters when given)."""
    if err["type"] == "missing":
        return "missing key"
    if err["type"] == "extra_forbidden":
        return "unknown key"
    given = err.get("input")
    if isinstance(given, str):
        return f"{err['msg']} (got {given[:quote] if quote else given!r})"
    return str(err["msg"])


def _user_loc(loc: Sequence[str | int], data: Any, missing: bool = False) -> list[str | int]:
    """A pydantic error location without pydantic's own tags (union branches such as ``str``
    or a model's name, ``function-after[...]``): only the user's keys and list positions."""
    out: list[str | int] = []
    cur = data
    for k, part in enumerate(loc):
        last = k == len(loc) - 1
        if isinstance(part, int) and isinstance(cur, list):
            out.append(part)
            cur = cur[part] if 0 <= part < len(cur) else None
        elif isinstance(part, str) and isinstance(cur, Mapping) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(part, str) and isinstance(cur, Mapping) and last and missing:
            out.append(part)  # a missing key
    return out


def validate(model: type[M], data: Any, *, file: str | Path | None = None) -> M:
    """Type ``data`` (from :func:`read_yaml`) with ``model``; the first error becomes an
    :class:`~clusteratlas.errors.InputError` naming the file, the line, the field (as its
    ``column``) and, in the message, the field's path.

    >>> class Doc(pydantic.BaseModel):
    ...     weights: list[float]
    >>> validate(Doc, read_yaml("weights:\\n  - 0.5\\n  - heavy\\n"), file="d.yaml")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    clusteratlas.errors.InputError: d.yaml, line 3, column 'weights': weights[1]: ...(got 'heavy')
    >>> validate(Doc, read_yaml("weights: ['2', 0.25]")).weights
    [2.0, 0.25]
    """
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        # of the errors of one value (e.g. each branch of ``str | Model``), the deepest one
        # names what is wrong best: ``industries[0].weight`` rather than "not a string"
        errors = exc.errors(include_url=False)

        def user(e: Any) -> list[str | int]:
            return _user_loc(e["loc"], data, e["type"] == "missing")

        first = user(errors[0])
        err = max((e for e in errors if user(e)[: len(first)] == first), key=lambda e: len(user(e)))
        loc = user(err)
        where = field_path(loc)
        msg = error_message(err)
        field = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
        if where and where != field:
            msg = f"{where}: {msg}"
        raise InputError(msg, file=file, line=line_of(data, loc), column=field) from None


def with_lines(typed: Any, raw: Any) -> Any:
    """``typed`` (e.g. a model's ``model_dump()``) as :class:`LineDict`/:class:`LineList` with
    the lines of ``raw`` (what :func:`read_yaml` returned), for checks done after typing."""
    if isinstance(typed, Text):
        return str(typed)
    if isinstance(typed, Mapping):
        out = LineDict()
        out.line = getattr(raw, "line", None)
        out.key_lines = dict(getattr(raw, "key_lines", {}))
        for k, v in typed.items():
            out[k] = with_lines(v, raw.get(k) if isinstance(raw, Mapping) else None)
        return out
    if isinstance(typed, list):
        out_list = LineList(
            with_lines(v, raw[i] if isinstance(raw, list) and i < len(raw) else None)
            for i, v in enumerate(typed)
        )
        out_list.line = getattr(raw, "line", None)
        return out_list
    return typed


def plain(data: Any) -> Any:
    """Data from :func:`read_yaml` as plain ``dict``/``list``/``str`` (lines dropped)."""
    if isinstance(data, Mapping):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return None if data is None else str(data)


#: The JSON Schema files in ``docs/schemas/`` and the model (``module:Class``) behind each.
#: Named as text so that this bottom-layer module imports none of the layers above it.
SCHEMA_FILES: dict[str, str] = {
    "scheme.schema.json": "clusteratlas.classifications.scheme_yaml:SchemeFile",
    "framework.schema.json": "clusteratlas.scoreboard.framework_parse:FrameworkFile",
    "edition.schema.json": "clusteratlas.scoreboard.edition_file:EditionFile",
    "recipes.schema.json": "clusteratlas.sources.recipes:RecipesFile",
    "questionnaire.schema.json": "clusteratlas.policy.questionnaire:QuestionnaireFile",
}


def schema_text(name: str) -> str:
    """The JSON Schema (2020-12, as pydantic writes it) of one of :data:`SCHEMA_FILES`."""
    import importlib
    import json

    module, _, cls = SCHEMA_FILES[name].partition(":")
    model = getattr(importlib.import_module(module), cls)
    schema = model.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
