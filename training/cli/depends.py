"""Dependencies for typer commands, as in FastAPI: one parameter built from options declared once.

A command parameter annotated `Annotated[T, Depends(provider)]` is shown to typer as the
provider's own options; when the command runs, the provider builds the value from them. So the
options a family of commands shares (`--data --columns --keys ...`) are declared in one function
and each command reads one value. Commands opt in with `@resolve_dependencies` under
`@app.command(...)`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

Command = TypeVar("Command", bound=Callable[..., Any])


@dataclass(frozen=True)
class Depends:
    """Marks a command parameter as built by `provider` from the provider's own options."""

    provider: Callable[..., Any]


def provider_of(annotation: Any) -> Callable[..., Any] | None:
    """The provider an `Annotated[T, Depends(provider)]` annotation names, else None."""
    if get_origin(annotation) is not Annotated:
        return None
    marks = [mark for mark in get_args(annotation)[1:] if isinstance(mark, Depends)]
    return marks[0].provider if marks else None


def keyword_options(function: Callable[..., Any]) -> list[inspect.Parameter]:
    """The function's parameters, annotations resolved, as keyword-only (any order is valid)."""
    hints = get_type_hints(function, include_extras=True)
    return [
        parameter.replace(annotation=hints[parameter.name], kind=inspect.Parameter.KEYWORD_ONLY)
        for parameter in inspect.signature(function).parameters.values()
    ]


def resolve_dependencies(command: Command) -> Command:
    """The command as typer should see it: each dependency replaced by its provider's options.

    The options stand where the dependency stands, so `--help` lists them in that place. An
    option name given by two providers (or a provider and the command) is refused at import.
    """
    shown: list[inspect.Parameter] = []
    providers: dict[str, tuple[Callable[..., Any], list[str]]] = {}
    for parameter in keyword_options(command):
        provider = provider_of(parameter.annotation)
        if provider is None:
            shown.append(parameter)
            continue
        own = keyword_options(provider)
        providers[parameter.name] = (provider, [option.name for option in own])
        shown.extend(own)
    names = [parameter.name for parameter in shown]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise TypeError(f"{command.__qualname__} declares {', '.join(twice)} twice")

    @functools.wraps(command)
    def typer_command(**options: Any) -> Any:
        for name, (provider, own) in providers.items():
            options[name] = provider(**{option: options.pop(option) for option in own})
        return command(**options)

    typer_command.__signature__ = inspect.Signature(shown, return_annotation=None)  # type: ignore[attr-defined]
    typer_command.__annotations__ = {parameter.name: parameter.annotation for parameter in shown}
    return typer_command  # type: ignore[return-value]
