"""Plugins: pluggy hooks that fill zeronn's registries.

A plugin is a module with ``@hookimpl`` functions (see :mod:`framework.plugin.hookspecs`)
found through the ``zeronn`` entry-point group or named in a config's ``plugins:``.
:func:`load_plugins` builds a fresh :class:`PluginManager` whose ``registries`` hold
every registered data set, data loader, model, loss, metric, optimizer and lr scheduler.
"""
from framework.plugin.hookspecs import HOOKS, PROJECT_NAME, hookimpl, hookspec
from framework.plugin.manager import PluginFailure, PluginInfo, PluginManager, load_plugins

__all__ = [
    "HOOKS", "PROJECT_NAME", "hookimpl", "hookspec",
    "PluginManager", "PluginInfo", "PluginFailure", "load_plugins",
]
