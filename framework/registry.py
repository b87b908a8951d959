"""Named registries of factories, each entry remembering which plugin put it there.

Every data set, data loader, model, loss, metric, optimizer and lr scheduler is found by
name in a :class:`Registry`.  Plugins fill the registries (see :mod:`framework.plugin`);
the trainer builds objects from a config's ``type`` and ``args`` through
:meth:`Registry.build`, and validates a config before training with
:meth:`Registry.check_args`.

A registry never guesses: an unknown name lists the known ones and the closest match, a
name registered twice names both owners, and arguments a factory does not accept are
rejected before the factory runs, with the factory's signature in the message.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from framework.errors import RegistryError

__all__ = ["Owner", "Entry", "Registry", "closest_match", "format_signature"]

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@dataclass(frozen=True)
class Owner:
    """Who registered an entry.

    Attributes:
        plugin: the plugin's name (an entry-point name, or a module name).
        package: the distribution that ships the plugin, or None for a local module.
        version: that distribution's version, or None when unknown.
    """

    plugin: str
    package: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        if self.package is None:
            return f"plugin {self.plugin!r}"
        version = f" {self.version}" if self.version else ""
        return f"plugin {self.plugin!r} ({self.package}{version})"


@dataclass(frozen=True)
class Entry:
    """One registered factory.

    Attributes:
        kind: the registry's kind, e.g. ``"models"``.
        name: the name a config uses.
        factory: the callable that builds the object.
        description: one line for listings.
        owner: the plugin that registered it.
    """

    kind: str
    name: str
    factory: Callable[..., Any] = field(repr=False)
    description: str
    owner: Owner

    @property
    def signature(self) -> str:
        """The factory's call signature without annotations, e.g. ``mlp(in_features, hidden)``."""
        return format_signature(self.name, self.factory)


def closest_match(word: str, candidates) -> str | None:
    """Return the candidate closest to ``word`` (case-insensitive first), or None."""
    candidates = [c for c in candidates if isinstance(c, str)]
    if not isinstance(word, str):
        return None
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _signature(factory: Callable[..., Any]) -> inspect.Signature | None:
    """The factory's signature, or None where Python cannot tell (some C callables)."""
    try:
        return inspect.signature(factory)
    except (TypeError, ValueError):
        return None


def format_signature(name: str, factory: Callable[..., Any]) -> str:
    """Render ``name(params)`` from the factory's signature, annotations dropped.

    Args:
        name: the name to show in front of the parentheses.
        factory: any callable.

    Returns:
        e.g. ``"mlp(in_features, hidden, out_features, activation='relu')"``, or
        ``"name(...)"`` when the signature cannot be read.
    """
    sig = _signature(factory)
    if sig is None:
        return f"{name}(...)"
    params = [p.replace(annotation=_EMPTY) for p in sig.parameters.values()]
    return f"{name}{sig.replace(parameters=params, return_annotation=_EMPTY)}"


def _describe(factory: Callable[..., Any]) -> str:
    """First line of the factory's own docstring (not an inherited one), or ''."""
    if isinstance(factory, functools.partial):
        factory = factory.func
    doc = factory.__dict__.get("__doc__") if hasattr(factory, "__dict__") else None
    if doc is None and not inspect.isclass(factory):
        doc = getattr(factory, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return ""
    return inspect.cleandoc(doc).splitlines()[0].strip()


def _quote_all(names) -> str:
    return ", ".join(repr(n) for n in names)


class Registry:
    """A mapping from names to factories of one kind.

    Args:
        kind: what the registry holds, plural (``"models"``); used in every message.

    Example:
        >>> reg = Registry("models")
        >>> reg.register("tiny", TinyMLP, description="two layers")
        >>> model = reg.build("tiny", in_features=4, out_features=3)
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    # -- filling -------------------------------------------------------------------
    def check_new(self, name: str, factory: Callable[..., Any], *, override: bool = False,
                  owner: Owner | None = None, description: str | None = None) -> None:
        """Raise the error :meth:`register` would raise, without registering anything.

        Raises:
            RegistryError: the name is not a non-empty string, the factory is not
                callable, the description is not a string, or the name is taken and
                ``override`` is false.
        """
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise RegistryError(
                f"{self.kind}: a registered name must be a non-empty string without "
                f"surrounding spaces, got {name!r}")
        if not callable(factory):
            raise RegistryError(
                f"{self.kind} {name!r}: the factory must be callable (a class or a "
                f"function), got {type(factory).__name__} {factory!r}")
        if description is not None and not isinstance(description, str):
            raise RegistryError(
                f"{self.kind} {name!r}: description must be a string, got "
                f"{type(description).__name__}")
        old = self._entries.get(name)
        if old is not None and not override:
            new_owner = owner if owner is not None else _default_owner(factory)
            raise RegistryError(
                f"{self.kind} {name!r} is registered twice: first by {old.owner}, "
                f"again by {new_owner}; rename one of them, or pass override=True to "
                f"register() to replace it on purpose")

    def register(self, name: str, factory: Callable[..., Any] | None = None, *,
                 description: str | None = None, override: bool = False,
                 owner: Owner | None = None):
        """Register ``factory`` under ``name``; without a factory, return a decorator.

        Args:
            name: the name configs use.
            factory: a class or function building the object.
            description: one line for listings; defaults to the first docstring line.
            override: replace an existing entry of that name instead of failing.
            owner: who registers it; defaults to the factory's module.

        Returns:
            The factory (so ``register`` also works as a decorator).

        Raises:
            RegistryError: see :meth:`check_new`.
        """
        if factory is None:
            def decorator(func):
                return self.register(name, func, description=description,
                                     override=override, owner=owner)
            return decorator
        self.check_new(name, factory, override=override, owner=owner,
                       description=description)
        self._entries[name] = Entry(
            kind=self.kind, name=name, factory=factory,
            description=(description if description is not None else _describe(factory)),
            owner=owner if owner is not None else _default_owner(factory))
        return factory

    # -- reading -------------------------------------------------------------------
    def get(self, name: str) -> Entry:
        """Return the entry registered under ``name``.

        Raises:
            RegistryError: unknown name; the message lists the known names and the
                closest match.
        """
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise RegistryError(self._unknown_message(name)) from None

    def _unknown_message(self, name: object) -> str:
        if not self._entries:
            return (f"unknown name {name!r} in {self.kind}: none are registered; "
                    f"hint: the plugins that register them may have failed to load or "
                    f"not be installed (see `python -m framework plugins`)")
        guess = closest_match(name, self._entries)  # type: ignore[arg-type]
        hint = f" (did you mean {guess!r}?)" if guess else ""
        return (f"unknown name {name!r} in {self.kind}{hint}; known {self.kind}: "
                f"{_quote_all(sorted(self._entries))}")

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._entries)

    def entries(self) -> list[Entry]:
        """The registered entries, in registration order."""
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._entries
        except TypeError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={self.names()!r})"

    # -- building ------------------------------------------------------------------
    def check_args(self, name: str, kwargs: Mapping[str, Any] | None = None,
                   *leading: Any) -> Entry:
        """Check that ``factory(*leading, **kwargs)`` binds, without calling it.

        The trainer uses this to reject a config before any training starts; values
        in ``leading`` stand for what the framework passes positionally (the
        parameters for an optimizer, the optimizer for a scheduler) and may be
        placeholders.

        Args:
            name: a registered name.
            kwargs: the keyword arguments (a config's ``args``).
            *leading: the positional arguments.

        Returns:
            The entry.

        Raises:
            RegistryError: unknown name, an argument the factory does not accept (with
                the closest parameter name), a missing required argument, an argument
                given twice, or too many positional arguments; every message shows
                the factory's signature.
        """
        entry = self.get(name)
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(kwargs, Mapping):
            raise RegistryError(
                f"{self.kind} {name!r}: arguments must be a mapping of names to values, "
                f"got {type(kwargs).__name__}; {entry.signature}")
        sig = _signature(entry.factory)
        if sig is None:
            return entry
        problems = _binding_problems(sig, kwargs, len(leading))
        if problems:
            raise RegistryError(
                f"{self.kind} {name!r} {'; '.join(problems)}; signature: {entry.signature}")
        return entry

    def build(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Check the arguments against the factory's signature, then call it.

        Args:
            name: a registered name.
            *args: positional arguments for the factory.
            **kwargs: keyword arguments for the factory.

        Returns:
            Whatever the factory returns.

        Raises:
            RegistryError: see :meth:`check_args`.
        """
        entry = self.check_args(name, kwargs, *args)
        return entry.factory(*args, **kwargs)


def _default_owner(factory: Callable[..., Any]) -> Owner:
    return Owner(plugin=str(getattr(factory, "__module__", None) or "<unknown>"))


def _binding_problems(sig: inspect.Signature, kwargs: Mapping[str, Any],
                      n_leading: int) -> list[str]:
    """Every reason ``factory(*leading, **kwargs)`` would not bind, as message clauses."""
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in _POSITIONAL]
    has_var_pos = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    has_var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    keywordable = [p.name for p in params if p.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    by_name = {p.name: p for p in params}
    filled_positionally = {p.name for p in positional[:n_leading]}
    problems: list[str] = []

    if n_leading > len(positional) and not has_var_pos:
        problems.append(f"takes at most {len(positional)} positional argument(s) but "
                        f"{n_leading} are passed")
    bad_keys = [k for k in kwargs if not isinstance(k, str)]
    if bad_keys:
        problems.append(f"got argument names that are not strings: {_quote_all(bad_keys)}")
    unexpected = []
    for key in (k for k in kwargs if isinstance(k, str)):
        param = by_name.get(key)
        if key in filled_positionally:
            problems.append(f"got argument {key!r} twice: the framework already passes "
                            f"it positionally; remove it from the arguments")
        elif param is None or param.kind in (inspect.Parameter.VAR_POSITIONAL,
                                             inspect.Parameter.VAR_KEYWORD):
            if not has_var_kw:
                unexpected.append(key)
        elif param.kind is inspect.Parameter.POSITIONAL_ONLY and not has_var_kw:
            problems.append(f"got argument {key!r} by name, but it is positional-only")
    suggested = set()
    for key in unexpected:
        candidates = [n for n in keywordable if n not in kwargs and n not in filled_positionally]
        guess = closest_match(key, candidates)
        hint = f" (did you mean {guess!r}?)" if guess else ""
        suggested.add(guess)
        problems.append(f"got an unexpected argument {key!r}{hint}")
    # A required name already offered as the correction of a typo is not repeated.
    missing = [p.name for p in params
               if p.name not in suggested
               and p.default is _EMPTY
               and p.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                  inspect.Parameter.VAR_KEYWORD)
               and p.name not in filled_positionally
               and not (p.name in kwargs and p.kind is not inspect.Parameter.POSITIONAL_ONLY)]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"is missing the required argument{plural} {_quote_all(missing)}")
    return problems
