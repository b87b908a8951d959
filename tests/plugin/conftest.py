"""Fixtures for plugin tests: throwaway plugin modules and installed-looking packages.

Everything is written under ``tmp_path`` and put on ``sys.path`` through monkeypatch;
modules imported from there are dropped from ``sys.modules`` afterwards, so no test sees
another test's plugins.
"""
import sys
import textwrap

import pytest


class PluginSite:
    """A directory on sys.path where a test writes plugin modules and dist-infos."""

    def __init__(self, root, monkeypatch):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        monkeypatch.syspath_prepend(str(root))

    def module(self, name, source):
        """Write module ``name`` (dotted names make packages) with ``source``."""
        parts = name.split(".")
        folder = self.root
        for pkg in parts[:-1]:
            folder = folder / pkg
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
        (folder / f"{parts[-1]}.py").write_text(textwrap.dedent(source))
        return name

    def distribution(self, name, version, entry_points, group="zeronn"):
        """Write ``<name>-<version>.dist-info`` declaring ``entry_points`` {name: value}."""
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = [f"[{group}]"] + [f"{k} = {v}" for k, v in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        return info


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fresh :class:`PluginSite`; its modules are forgotten after the test."""
    before = set(sys.modules)
    yield PluginSite(tmp_path / "site", monkeypatch)
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        if str(tmp_path) in str(getattr(module, "__file__", "") or ""):
            del sys.modules[name]


# A plugin module registering one entry of three kinds, for reuse.
GOOD_PLUGIN = """
from framework.plugin import hookimpl

def make_model(in_features, out_features=2):
    '''A linear toy model.'''
    return ("model", in_features, out_features)

def make_data(train=True):
    return ("data", train)

def make_loss():
    return "loss"

@hookimpl
def register_models(register):
    register("{prefix}model", make_model)

@hookimpl
def register_datasets(register):
    register("{prefix}data", make_data, description="toy data")

@hookimpl
def register_losses(register):
    register("{prefix}loss", make_loss)
"""


@pytest.fixture
def good_plugin():
    """``good_plugin(prefix)``: source of a well-behaved plugin, names prefixed."""
    return lambda prefix="": GOOD_PLUGIN.replace("{prefix}", prefix)
