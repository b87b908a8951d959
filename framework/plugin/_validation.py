"""Checks on a plugin object, so that a mistake in it is reported before it runs.

pluggy accepts a misspelled hook name silently (only ``check_pending`` notices) and
ignores a hook function that lacks the ``@hookimpl`` marker; both would make a plugin
register nothing without a word.  These checks name the plugin, the hook and the fix.
"""
from __future__ import annotations

from typing import Any

import pluggy

from framework.errors import PluginError
from framework.plugin.hookspecs import HOOKS
from framework.registry import closest_match

__all__ = ["reject_unmarked", "reject_unknown_hooks", "unknown_hook_error",
           "invalid_hook_error"]


def _valid_hooks() -> str:
    return ", ".join(HOOKS.values())


def unknown_hook_error(plugin_name: str, hook: str) -> PluginError:
    """The error for a plugin implementing ``hook``, which no hookspec declares."""
    guess = closest_match(hook, HOOKS.values())
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return PluginError(f"plugin {plugin_name!r} implements unknown hook {hook!r}{hint}; "
                       f"valid hooks: {_valid_hooks()}")


def invalid_hook_error(plugin_name: str, exc: pluggy.PluginValidationError) -> PluginError:
    """pluggy's validation error (e.g. a wrong argument name) as one line with a hint."""
    detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return PluginError(f"plugin {plugin_name!r} has an invalid hook: {detail}; hint: every "
                       f"hook takes exactly one argument, `register`")


def reject_unmarked(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Raise if the plugin has a function named like a hook but not marked as one.

    Raises:
        PluginError: naming the function and the decorator to add.
    """
    for hook in HOOKS.values():
        func = getattr(plugin, hook, None)
        if callable(func) and pm.parse_hookimpl_opts(plugin, hook) is None:
            raise PluginError(
                f"plugin {name!r}: {hook}() is not marked as a hook implementation, "
                f"so it would never be called; hint: decorate it with "
                f"@framework.plugin.hookimpl")


def reject_unknown_hooks(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Raise if a registered plugin implements an unknown hook or declares a wrapper.

    Raises:
        PluginError: naming the plugin, the bad hook and the closest valid hook.
    """
    for caller in pm.get_hookcallers(plugin) or []:
        impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
        if not caller.has_spec() and any(not i.optionalhook for i in impls):
            raise unknown_hook_error(name, caller.name)
        if any(i.wrapper or i.hookwrapper for i in impls):
            raise PluginError(f"plugin {name!r}: {caller.name} is declared as a wrapper; "
                              f"zeronn hooks are called once per plugin, remove "
                              f"wrapper=True/hookwrapper=True")
