"""Groups of Typer options declared once and shared by several commands.

Typer builds a command's options from the parameters of its function, so options that several
commands share (how to reach a server, where the cache and the store are) would be repeated in
each signature. A *group* is a frozen dataclass whose fields are those options (their defaults
are ``typer.Option(...)`` objects); :func:`option_group` replaces one parameter of a command by
the group's fields in the signature Typer reads, and hands the command one instance of the
group instead::

    @dataclass(frozen=True)
    class Http:
        timeout: float = typer.Option(60.0, "--timeout")
        retries: int = typer.Option(5, "--retries")

    @app.command()
    @option_group("http", Http)
    def fetch(dataset: str, http: Http) -> None:
        ...  # http.timeout, http.retries

``--help`` lists the group's options after the command's own ones.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def option_group(param: str, group: type) -> Callable[[F], F]:
    """Replace parameter ``param`` of a command by the fields of dataclass ``group``.

    The wrapped command is called with ``param=group(**those options)``. A field whose name is
    also a parameter of the command is refused (the two options would collide).
    """
    if not dataclasses.is_dataclass(group):
        raise TypeError(f"{group!r} is not a dataclass")
    fields = dataclasses.fields(group)
    hints = typing.get_type_hints(group)

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        if param not in sig.parameters:
            raise TypeError(f"{fn.__name__} has no parameter {param!r}")
        clash = {f.name for f in fields} & set(sig.parameters)
        if clash:
            raise TypeError(f"{fn.__name__}: {sorted(clash)} are also in {group.__name__}")
        kept = [p for name, p in sig.parameters.items() if name != param]
        added = [
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
            )
            for f in fields
        ]

        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> Any:
            values = {f.name: kwargs.pop(f.name) for f in fields}
            return fn(*args, **kwargs, **{param: group(**values)})

        # the command's own annotations stay as written (Typer resolves them in its module)
        annotations = {k: v for k, v in fn.__annotations__.items() if k != param}
        annotations.update({f.name: hints[f.name] for f in fields})
        command.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
        command.__annotations__ = annotations
        return command  # type: ignore[return-value]

    return decorate
