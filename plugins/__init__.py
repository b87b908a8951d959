"""zeronn's built-in plugins: data sets, data loaders, models, losses, metrics, optimizers.

Each sub-module implements hooks of :mod:`framework.plugin.hookspecs`; the plugin
manager loads them before the plugins of other packages.
"""
