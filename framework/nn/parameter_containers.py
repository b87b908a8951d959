"""Parameter containers: ParameterList and ParameterDict (PyTorch's semantics).

Entries are registered as parameters of the container itself under their position
(``"0"``, ``"1"``, ...) or key, so ``named_parameters()``, ``state_dict()``
(``params.0``, ``scales.a``), ``load_state_dict``, ``.to()`` and optimizers see them.
Arrays and tensors put into them become Parameters (a tensor's array is shared); any
other value is kept as a plain entry that nothing trains or saves, as in PyTorch.
"""
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from framework import backend
from framework.core import Variable
from framework.nn.containers import _index
from framework.nn.module import Module
from framework.nn.parameter import Parameter, is_array

__all__ = ["ParameterList", "ParameterDict"]

def _as_parameter(value):
    """Arrays and tensors become Parameters (a tensor's array is shared); Parameters and
    other values pass through."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Variable) or is_array(value):
        return Parameter(value)
    return value


def _describe(value):
    if isinstance(value, Parameter):
        size = "x".join(str(n) for n in value.shape)
        where = "" if backend.device_of(value.data) == "cpu" else \
            f" on {backend.device_of(value.data)}"
        return f"Parameter containing: [{value.dtype} of size {size}{where}]"
    return f"Object of type: {type(value).__name__}"


class _ParameterContainer(Module):
    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} should not be called; index it and use "
                           f"its parameters")

    def _entries(self):
        raise NotImplementedError

    def extra_repr(self):
        return "\n".join(f"({key}): {_describe(value)}" for key, value in self._entries())


class ParameterList(_ParameterContainer):
    """A list of parameters, registered under their positions ``"0"``, ``"1"``, ...

    Arrays and tensors appended or assigned become Parameters; other values are kept
    as plain entries (neither trained nor saved), as in PyTorch.

    Args:
        values: an optional iterable of initial entries.
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _abs_index(self, idx):
        return _index(idx, len(self), "ParameterList")

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(self[i] for i in range(*idx.indices(len(self))))
        return getattr(self, str(self._abs_index(idx)))

    def __setitem__(self, idx, value):
        name = str(self._abs_index(idx))
        value = _as_parameter(value)
        if not isinstance(value, Parameter) and name in self._parameters:
            del self._parameters[name]  # a plain entry replaces a parameter
        setattr(self, name, value)

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def _entries(self):
        return ((i, self[i]) for i in range(len(self)))

    def append(self, value):
        """Add ``value`` at the end; returns self."""
        self._size += 1
        try:
            self[self._size - 1] = value
        except Exception:
            self._size -= 1
            raise
        return self

    def extend(self, values):
        """Append every entry of an iterable; returns self.

        Raises:
            TypeError: ``values`` is not iterable (or is a single array or tensor).
        """
        if not isinstance(values, Iterable) or is_array(values) or \
                isinstance(values, Variable):
            raise TypeError(f"ParameterList.extend takes an iterable of entries, got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self


class ParameterDict(_ParameterContainer):
    """An ordered dict of parameters, registered under their (string) keys.

    Arrays and tensors stored become Parameters; other values are kept as plain
    entries. ``update`` (and the constructor) takes a mapping or an iterable of
    ``(key, value)`` pairs; a plain ``dict`` that is not an OrderedDict is added in
    sorted key order, as PyTorch does.

    Args:
        parameters: an optional mapping or iterable of ``(key, value)`` pairs.
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__} "
                            f"{key!r}")
        return key

    def __getitem__(self, key):
        if self._key(key) not in self._keys:
            raise KeyError(f"ParameterDict has no key {key!r}; keys: {list(self._keys)}")
        return getattr(self, key)

    def __setitem__(self, key, value):
        key = self._key(key)
        if key not in self._keys and (key in self.__dict__ or hasattr(type(self), key)):
            raise KeyError(f"ParameterDict: attribute {key!r} already exists; pick another "
                           f"key")
        value = _as_parameter(value)
        if not isinstance(value, Parameter) and key in self._parameters:
            del self._parameters[key]  # a plain entry replaces a parameter
        setattr(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key):
        self[key]  # noqa: B018 - raises the helpful KeyError
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def _entries(self):
        return ((key, self[key]) for key in self._keys)

    def keys(self):
        return self._keys.keys()

    def values(self):
        return (self[key] for key in self._keys)

    def items(self):
        return ((key, self[key]) for key in self._keys)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        """Remove ``key`` and return its value.

        Raises:
            KeyError: no such key.
        """
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Remove and return the last ``(key, value)`` pair.

        Raises:
            KeyError: the dict is empty.
        """
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        """The value of ``key``, first set to ``default`` when absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        """A new ParameterDict holding the same entries (the Parameters are shared)."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys, default=None):
        """A new ParameterDict with every key of ``keys`` set to ``default``."""
        return ParameterDict((key, default) for key in keys)

    def update(self, parameters):
        """Add the entries of a mapping or of an iterable of ``(key, value)`` pairs.

        Raises:
            TypeError: not a mapping or iterable, or an element that is not a pair.
            ValueError: an element of another length than 2.
        """
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable):
            pairs = []
            for j, pair in enumerate(parameters):
                if not isinstance(pair, Iterable) or isinstance(pair, str):
                    raise TypeError(f"ParameterDict.update: element #{j} should be a "
                                    f"(key, value) pair, got {type(pair).__name__}")
                pair = tuple(pair)
                if len(pair) != 2:
                    raise ValueError(f"ParameterDict.update: element #{j} has length "
                                     f"{len(pair)}; 2 is required")
                pairs.append(pair)
        else:
            raise TypeError(f"ParameterDict.update takes a mapping or an iterable of "
                            f"(key, value) pairs, got {type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = ParameterDict(other)
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self
