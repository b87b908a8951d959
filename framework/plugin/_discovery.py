"""Finding plugins: the built-ins, the ``zeronn`` entry-point group, local modules.

The built-in plugins are ordinary entry points of the ``zeronn`` distribution itself, so
``framework`` never imports the top-level ``plugins`` package by name.  Entry points are
install-time metadata that go stale when pyproject.toml changes; when ``framework`` is
imported from a source tree, its pyproject.toml is read instead, so a checkout always
loads the built-ins it declares.
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framework.plugin.hookspecs import PROJECT_NAME

__all__ = ["PluginSource", "builtin_sources", "third_party_sources", "import_object",
           "distribution_of", "normalize_dist_name", "SOURCE_ROOT"]

# framework/plugin/_discovery.py -> the directory holding framework/ (and pyproject.toml
# in a source checkout).
SOURCE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin comes from, before it is imported.

    Attributes:
        name: the plugin's name (the entry point's name).
        value: what to import, ``"module"`` or ``"module:attribute"``.
        package: the distribution declaring it, or None.
        version: that distribution's version, or None.
    """

    name: str
    value: str
    package: str | None
    version: str | None


def normalize_dist_name(name: str) -> str:
    """Normalize a distribution name the PEP 503 way (``Zeronn_Plugin`` -> ``zeronn-plugin``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _from_pyproject(path: Path) -> list[PluginSource] | None:
    """The ``zeronn`` entry points a source tree's pyproject.toml declares, or None."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, ValueError):
        return None
    project = data.get("project", {})
    if normalize_dist_name(str(project.get("name", ""))) != PROJECT_NAME:
        return None
    table = project.get("entry-points", {}).get(PROJECT_NAME, {})
    version = project.get("version")
    return [PluginSource(name=str(k), value=str(v), package=PROJECT_NAME,
                         version=str(version) if version else None)
            for k, v in table.items()]


def builtin_sources(root: Path = SOURCE_ROOT) -> tuple[list[PluginSource], str | None]:
    """The built-in plugins: the ``zeronn`` distribution's own entry points.

    Args:
        root: the directory holding the ``framework`` package.

    Returns:
        ``(sources, problem)``: ``problem`` is None, or a message saying why no
        built-ins could be found.
    """
    found = _from_pyproject(root / "pyproject.toml")
    if found is not None:
        return found, None
    try:
        dist = metadata.distribution(PROJECT_NAME)
    except metadata.PackageNotFoundError:
        return [], (f"the {PROJECT_NAME!r} distribution is not installed and no "
                    f"pyproject.toml was found in {root}, so the built-in plugins are "
                    f"unknown; hint: run `pip install -e .` in the project's checkout")
    return [PluginSource(name=ep.name, value=ep.value, package=PROJECT_NAME,
                         version=dist.version)
            for ep in dist.entry_points if ep.group == PROJECT_NAME], None


def third_party_sources(group: str = PROJECT_NAME) -> list[PluginSource]:
    """Entry points of every installed distribution except ``zeronn`` itself.

    A distribution found twice on ``sys.path`` counts once (the first, as Python's
    import system would pick it).  The result is sorted by distribution and entry-point
    name, so the load order does not depend on the order of ``sys.path`` scanning.
    """
    seen: set[str] = set()
    sources = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        key = normalize_dist_name(name)
        if key == PROJECT_NAME or key in seen:
            continue
        seen.add(key)
        for ep in dist.entry_points:
            if ep.group == group:
                sources.append(PluginSource(name=ep.name, value=ep.value,
                                            package=name, version=dist.version))
    return sorted(sources, key=lambda s: (normalize_dist_name(s.package or ""), s.name))


def import_object(value: str) -> Any:
    """Import ``"pkg.module"`` or ``"pkg.module:attr.sub"`` and return the object.

    Raises:
        ImportError, AttributeError: from the import itself.
    """
    module_name, _, attrs = value.partition(":")
    obj = importlib.import_module(module_name.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


def distribution_of(module_name: str) -> tuple[str | None, str | None]:
    """The installed distribution (name, version) providing a module, or (None, None)."""
    top = module_name.split(".")[0]
    try:
        names = metadata.packages_distributions().get(top, [])
    except Exception:  # broken metadata of some unrelated package must not matter here
        return None, None
    if not names:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None
