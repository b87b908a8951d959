"""The plugin manager: loads plugins and lets each one fill the registries.

Order: the built-ins (the ``zeronn`` distribution's own entry points), then every other
distribution's ``zeronn`` entry points, then the local modules a config names in
``plugins:``.  The manager calls each plugin's hook implementations itself, with a
``register`` function bound to that plugin, so every entry knows its owner.

A broken built-in or installed plugin (it raises on import, implements a misspelled
hook, registers a name that is taken) is skipped, logged with its name and recorded in
:attr:`PluginManager.failures`; the others still load.  A local module the config names
is the user's explicit request, so its problems are errors.

Nothing is cached at module level: every :func:`load_plugins` call builds a fresh
manager with fresh registries.
"""
from __future__ import annotations

import inspect
import logging
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pluggy

from framework.errors import ConfigError, PluginError, RegistryError
from framework.plugin import hookspecs
from framework.plugin._discovery import (PluginSource, builtin_sources, distribution_of,
                                         import_object, third_party_sources)
from framework.plugin._validation import (invalid_hook_error, reject_unknown_hooks,
                                          reject_unmarked, unknown_hook_error)
from framework.plugin.hookspecs import HOOKS, PROJECT_NAME
from framework.registry import Owner, Registry, closest_match

__all__ = ["PluginManager", "PluginInfo", "PluginFailure", "load_plugins"]

logger = logging.getLogger("framework.plugin")

BUILTIN, ENTRY_POINT, LOCAL = "builtin", "entry point", "local"


@dataclass
class PluginInfo:
    """A loaded plugin and what it registered.

    Attributes:
        name: the plugin's name (entry-point name or module name).
        package: the distribution shipping it, or None for a local module.
        version: that distribution's version, or None.
        source: ``"builtin"``, ``"entry point"`` or ``"local"``.
        module: what was imported (``"pkg.module"``), or the object's repr.
        registered: kind -> names it registered, in registration order.
    """

    name: str
    package: str | None
    version: str | None
    source: str
    module: str
    registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def owner(self) -> Owner:
        """The owner recorded on each of this plugin's registry entries."""
        return Owner(self.name, self.package, self.version)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that was skipped: its name, where it came from, and why."""

    name: str
    source: str
    module: str
    message: str
    error: BaseException | None = None

    def __str__(self) -> str:
        return self.message


def _plugin_name(plugin: Any) -> str:
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    if inspect.isclass(plugin):
        return f"{plugin.__module__}.{plugin.__qualname__}"
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"


class PluginManager:
    """Loads plugins and owns one :class:`~framework.registry.Registry` per kind.

    Args:
        disable: plugin names to skip (e.g. a broken third-party plugin).
        strict: raise a :class:`PluginError` at the first broken plugin instead of
            reporting it and going on.

    Attributes:
        registries: kind -> Registry, for every kind in ``hookspecs.HOOKS``.
        plugins: plugin name -> :class:`PluginInfo`, in load order.
        failures: the :class:`PluginFailure` of every skipped plugin.
    """

    def __init__(self, *, disable: Iterable[str] = (), strict: bool = False) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self.strict = strict
        self.disabled = [str(name) for name in disable]
        for name in self.disabled:
            self._pm.set_blocked(name)
        self.registries: dict[str, Registry] = {kind: Registry(kind) for kind in HOOKS}
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginFailure] = []

    def __repr__(self) -> str:
        return (f"PluginManager(plugins={list(self.plugins)!r}, "
                f"failures={[f.name for f in self.failures]!r})")

    # -- access --------------------------------------------------------------------
    def registry(self, kind: str) -> Registry:
        """The registry of ``kind`` (``"models"``, ``"datasets"``, ...).

        Raises:
            RegistryError: unknown kind, with the valid kinds and the closest one.
        """
        try:
            return self.registries[kind]
        except (KeyError, TypeError):
            guess = closest_match(kind, self.registries)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            raise RegistryError(f"unknown registry kind {kind!r}{hint}; valid kinds: "
                                f"{', '.join(self.registries)}") from None

    def build(self, kind: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """Shortcut for ``manager.registry(kind).build(name, *args, **kwargs)``."""
        return self.registry(kind).build(name, *args, **kwargs)

    # -- registering one plugin ----------------------------------------------------
    def register_plugin(self, plugin: Any, *, name: str | None = None,
                        package: str | None = None, version: str | None = None,
                        source: str = LOCAL, module: str | None = None) -> PluginInfo | None:
        """Register a plugin object (usually a module) and let it fill the registries.

        Either all of the plugin's entries are registered or none: a plugin that fails
        halfway leaves the registries as they were.

        Args:
            plugin: a module, class or instance with ``@hookimpl`` functions.
            name: the plugin's name; defaults to the module's name.
            package, version: the distribution shipping it, when known.
            source: ``"builtin"``, ``"entry point"`` or ``"local"``.
            module: what was imported, for listings.

        Returns:
            The plugin's :class:`PluginInfo`; None when its name is disabled.

        Raises:
            PluginError: the name is taken, a function is named like a hook but not
                marked, a hook name is misspelled, a hook has the wrong arguments or
                raises, or returns something.
            RegistryError: it registers a name already taken (both owners named) or an
                invalid entry.
        """
        name = name or _plugin_name(plugin)
        if self._pm.is_blocked(name):
            logger.info("plugin %r is disabled; not loaded", name)
            return None
        if self._pm.is_registered(plugin):
            # The same module reached twice (e.g. installed and named in a config).
            known = self._pm.get_name(plugin)
            logger.info("plugin %r is already loaded as %r", name, known)
            return self.plugins.get(known)
        if name in self.plugins:
            old = self.plugins[name]
            raise PluginError(
                f"plugin name {name!r} ({module or _plugin_name(plugin)}) is already used by "
                f"{old.owner} ({old.module}); entry-point names must be unique, name "
                f"them after their distribution")
        reject_unmarked(self._pm, plugin, name)
        try:
            self._pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise invalid_hook_error(name, exc) from exc
        try:
            reject_unknown_hooks(self._pm, plugin, name)
            info = PluginInfo(name=name, package=package, version=version, source=source,
                              module=module or _plugin_name(plugin))
            self._fill(plugin, info)
        except BaseException:
            self._pm.unregister(plugin)
            raise
        self.plugins[name] = info
        return info

    def _fill(self, plugin: Any, info: PluginInfo) -> None:
        """Call the plugin's hooks with a bound ``register``; commit only if all succeed."""
        owner = info.owner
        staged: dict[str, dict[str, tuple]] = {kind: {} for kind in HOOKS}
        for kind, hook in HOOKS.items():
            registry = self.registries[kind]
            for impl in getattr(self._pm.hook, hook).get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                register = self._bound_register(registry, staged[kind], owner)
                try:
                    # `register` may be declared with a default, which pluggy files
                    # under kwargnames; anything else a hook declares gets nothing.
                    wanted = (*impl.argnames, *impl.kwargnames)
                    result = impl.function(**{a: register for a in wanted if a == "register"})
                except (RegistryError, PluginError):
                    raise
                except Exception as exc:
                    raise PluginError(f"plugin {info.name!r} raised in {hook}: "
                                      f"{type(exc).__name__}: {exc}") from exc
                if result is not None:
                    raise PluginError(
                        f"plugin {info.name!r}: {hook} returned a {type(result).__name__}; "
                        f"hooks register through their `register` argument, e.g. "
                        f"register('name', Factory), and return nothing")
        for kind, entries in staged.items():
            registry = self.registries[kind]
            for entry_name, (factory, description, override) in entries.items():
                if entry_name in registry:
                    logger.info("%s %r of %s is overridden by %s", kind, entry_name,
                                registry.get(entry_name).owner, owner)
                registry.register(entry_name, factory, description=description,
                                  override=override, owner=owner)
                info.registered.setdefault(kind, []).append(entry_name)

    @staticmethod
    def _bound_register(registry: Registry, staged: dict, owner: Owner) -> Callable:
        def register(name, factory=None, *, description=None, override=False):
            """Register ``factory`` under ``name``; without a factory, a decorator."""
            if factory is None:
                return lambda func: register(name, func, description=description,
                                             override=override)
            registry.check_new(name, factory, override=override, owner=owner,
                               description=description)
            if name in staged and not override:
                raise RegistryError(f"{registry.kind} {name!r} is registered twice by "
                                    f"{owner}; pass override=True to replace it on purpose")
            override = override or name in staged
            staged[name] = (factory, description, override)
            return factory
        return register

    # -- loading many --------------------------------------------------------------
    def _fail(self, name: str, source: str, module: str, message: str,
              error: BaseException | None) -> None:
        if self.strict:
            raise PluginError(message) from error
        self.failures.append(PluginFailure(name, source, module, message, error))
        logger.warning("%s; skipped, the other plugins still load", message)

    def _load_source(self, src: PluginSource, source: str) -> None:
        if self._pm.is_blocked(src.name):
            logger.info("plugin %r is disabled; not loaded", src.name)
            return
        try:
            obj = import_object(src.value)
        except Exception as exc:
            self._fail(src.name, source, src.value,
                       f"plugin {src.name!r} ({src.value}, {source}) could not be "
                       f"imported: {type(exc).__name__}: {exc}", exc)
            return
        try:
            self.register_plugin(obj, name=src.name, package=src.package,
                                 version=src.version, source=source, module=src.value)
        except Exception as exc:
            message = str(exc) if isinstance(exc, (PluginError, RegistryError)) else (
                f"plugin {src.name!r} ({src.value}) failed: {type(exc).__name__}: {exc}")
            self._fail(src.name, source, src.value, message, exc)

    def load_builtins(self, builtins: Iterable[Any] | None = None) -> None:
        """Load the built-in plugins.

        Args:
            builtins: None to discover them (the ``zeronn`` distribution's entry
                points); otherwise module names or plugin objects to use instead.
        """
        sources, problem = builtin_sources()
        if builtins is None:
            if problem:
                self._fail(PROJECT_NAME, BUILTIN, PROJECT_NAME, problem, None)
            for src in sources:
                self._load_source(src, BUILTIN)
            return
        version = sources[0].version if sources else None
        for item in builtins:
            if isinstance(item, str):
                self._load_source(PluginSource(item, item, PROJECT_NAME, version), BUILTIN)
                continue
            src = PluginSource(_plugin_name(item), _plugin_name(item), PROJECT_NAME, version)
            try:
                self.register_plugin(item, name=src.name, package=PROJECT_NAME,
                                     version=version, source=BUILTIN)
            except Exception as exc:
                self._fail(src.name, BUILTIN, src.value, str(exc), exc)

    def load_entry_points(self) -> None:
        """Load every installed distribution's ``zeronn`` entry points but zeronn's own."""
        for src in third_party_sources(PROJECT_NAME):
            self._load_source(src, ENTRY_POINT)

    def load_modules(self, modules: Iterable[Any]) -> None:
        """Load local plugin modules, e.g. a config's ``plugins: [my_pkg.models]``.

        Args:
            modules: module names (``"pkg.mod"`` or ``"pkg.mod:object"``) or plugin
                objects.

        Raises:
            ConfigError: an entry is not a string or its module cannot be found.
            PluginError: a module raises while being imported, or is a broken plugin.
            RegistryError: a module registers a name that is taken.
        """
        if isinstance(modules, (str, bytes)) or not isinstance(modules, Iterable):
            raise ConfigError(f"plugins: expected a list of module names, got "
                              f"{type(modules).__name__} {modules!r}")
        for item in modules:
            if not isinstance(item, str):
                if isinstance(item, (int, float, bool, list, dict, type(None))):
                    raise ConfigError(f"plugins: each entry must be a module name such as "
                                      f"'my_pkg.models', got {item!r}")
                self.register_plugin(item, source=LOCAL)
                continue
            obj = self._import_local(item)
            package, version = distribution_of(item)
            self.register_plugin(obj, name=item, package=package, version=version,
                                 source=LOCAL, module=item)

    @staticmethod
    def _import_local(name: str) -> Any:
        module_name = name.partition(":")[0].strip()
        try:
            return import_object(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (module_name == missing or module_name.startswith(missing + ".")):
                raise ConfigError(
                    f"plugins: cannot find module {name!r} ({exc}); hint: check the "
                    f"spelling, and that its directory is on sys.path (run from the "
                    f"project directory or set PYTHONPATH)") from None
            raise PluginError(f"plugin {name!r} raised while being imported: "
                              f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise PluginError(f"plugin {name!r} raised while being imported: "
                              f"{type(exc).__name__}: {exc}") from exc

    def check(self) -> None:
        """Run pluggy's ``check_pending`` as a last guard against unknown hooks.

        Raises:
            PluginError: naming the plugin, the unknown hook and the closest valid one.
        """
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            plugin = self._pm.get_name(exc.plugin) or _plugin_name(exc.plugin)
            bad = [n for n, caller in vars(self._pm.hook).items() if not n.startswith("_")
                   and not caller.has_spec()
                   and any(i.plugin is exc.plugin for i in caller.get_hookimpls())]
            raise unknown_hook_error(plugin, bad[0] if bad else "?") from exc


def load_plugins(modules: Iterable[Any] = (), *, builtins: Iterable[Any] | None = None,
                 entry_points: bool = True, disable: Iterable[str] = (),
                 strict: bool = False) -> PluginManager:
    """Build a fresh :class:`PluginManager` and load every plugin into its registries.

    Args:
        modules: local plugin modules (a config's ``plugins:``), names or objects.
        builtins: None to load the built-in plugins declared by the ``zeronn``
            distribution; otherwise the module names or objects to load instead
            (``[]`` loads none, which tests use to stay independent of the install).
        entry_points: also load the other installed distributions' plugins.
        disable: plugin names not to load.
        strict: raise at the first broken built-in or installed plugin.

    Returns:
        The manager; see its ``registries``, ``plugins`` and ``failures``.

    Raises:
        ConfigError, PluginError, RegistryError: see :meth:`PluginManager.load_modules`.
    """
    manager = PluginManager(disable=disable, strict=strict)
    manager.load_builtins(builtins)
    if entry_points:
        manager.load_entry_points()
    manager.load_modules(modules)
    manager.check()
    return manager
