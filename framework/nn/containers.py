"""Containers: Sequential, ModuleList, ModuleDict (PyTorch's semantics).

Children are registered under their position (``"0"``, ``"1"``, ...) or key, so
state_dict keys read ``0.weight``, ``layers.2.bias`` and so on, as in PyTorch.
ParameterList and ParameterDict live in :mod:`framework.nn.parameter_containers`.
"""
import operator
from collections import OrderedDict

from framework.nn.module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _index(i, n, what):
    try:
        i = operator.index(i)
    except TypeError:
        raise TypeError(f"{what} indices must be integers or slices, "
                        f"got {type(i).__name__}") from None
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range for {what} of length {n}")
    return i % n


class _IndexedModules(Module):
    """Shared behaviour of Sequential and ModuleList: children keyed "0", "1", ..."""

    def _items(self):
        return list(self._modules.values())

    def _reset(self, modules):
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._items())

    def __getitem__(self, idx):
        items = self._items()
        if isinstance(idx, slice):
            return type(self)(*items[idx]) if isinstance(self, Sequential) \
                else ModuleList(items[idx])
        return items[_index(idx, len(items), type(self).__name__)]

    def __setitem__(self, idx, module):
        i = _index(idx, len(self), type(self).__name__)
        self.add_module(str(i), module)

    def __delitem__(self, idx):
        items = self._items()
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(items), type(self).__name__)]
        self._reset(items)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of an iterable; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index``."""
        items = self._items()
        items.insert(index, module)
        self._reset(items)

    def pop(self, index=-1):
        """Remove and return the module at ``index`` (the last by default)."""
        items = self._items()
        module = items.pop(_index(index, len(items), type(self).__name__))
        self._reset(items)
        return module

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class Sequential(_IndexedModules):
    """Chain modules: ``forward(x)`` feeds ``x`` through each child in order.

    Args:
        *modules: the modules, or a single OrderedDict ``{name: module}`` to name them.

    Raises:
        TypeError: an argument is not a Module.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        self.add_module(key, module)

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential takes Modules, got {type(module).__name__} "
                            f"for entry {name!r}")
        super().add_module(name, module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(_IndexedModules):
    """A list of modules, registered so their parameters are found (no forward).

    Args:
        modules: an optional iterable of modules.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList takes Modules, got {type(module).__name__}")
        super().add_module(name, module)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys (no forward).

    Args:
        modules: an optional mapping or iterable of ``(name, module)`` pairs.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict has no key {key!r}; keys: {list(self._modules)}") \
                from None

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        self[key]  # noqa: B018 - raises the helpful KeyError
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        module = self[key]
        del self._modules[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        """Add the modules of a mapping or of an iterable of ``(name, module)`` pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for name, module in pairs:
            self[name] = module

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict takes Modules, got {type(module).__name__} "
                            f"for key {name!r}")
        super().add_module(name, module)
