"""Walking a module tree: named_modules and everything built on it, lookups by path.

Mixed into :class:`framework.nn.Module`; one generator, :meth:`named_modules`, drives
every walk, so order (registration order, depth first) and de-duplication (a module
or parameter reachable by several paths comes once) are the same everywhere.
"""

__all__ = ["ModuleTraversal"]


class ModuleTraversal:
    """Tree walks and path lookups over ``_modules``, ``_parameters`` and ``_buffers``."""

    __slots__ = ()

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(dotted_name, module)`` for this module and every descendant, depth
        first in registration order; a module reachable by several paths comes once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            sub = f"{prefix}.{name}" if prefix else name
            yield from child.named_modules(memo, sub, remove_duplicate)

    def _named_members(self, kind, prefix, recurse, remove_duplicate):
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        seen = set()
        for mod_prefix, module in modules:
            for name, value in module.__dict__[kind].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, Parameter)``; a shared parameter comes once unless
        ``remove_duplicate`` is False (then once per name it is reachable by)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, ndarray)`` for every buffer; a shared one comes once
        unless ``remove_duplicate`` is False."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def named_children(self):
        """Yield ``(name, module)`` for the direct children, each once."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def children(self):
        for _, m in self.named_children():
            yield m

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        """Return the module at dotted path ``target`` ("" is this module).

        Raises:
            AttributeError: naming the first missing part of the path.
        """
        if target == "":
            return self
        module = self
        walked = []
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                where = ".".join(walked) or "the root"
                known = list(module._modules)
                raise AttributeError(
                    f"{type(module).__name__} ({where}) has no submodule {part!r} in path "
                    f"{target!r}; its children are {known}")
            walked.append(part)
            module = child
        return module

    def _get_member(self, target, kind, label):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        store = module.__dict__[kind]
        if name not in store:
            raise AttributeError(
                f"{type(module).__name__} ({module_path or 'the root'}) has no {label} "
                f"{name!r} (path {target!r}); its {label}s are {list(store)}")
        return store[name]

    def get_parameter(self, target):
        """Return the Parameter at dotted path ``target`` (e.g. ``"fc1.weight"``).

        Raises:
            AttributeError: naming the missing module or parameter.
        """
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        """Return the buffer array at dotted path ``target`` (e.g. ``"bn.running_mean"``).

        Raises:
            AttributeError: naming the missing module or buffer.
        """
        return self._get_member(target, "_buffers", "buffer")

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively, children first), then on self.

        Returns:
            self.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self
