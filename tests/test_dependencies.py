"""The dependency direction of DESIGN.md, enforced on the source (an AST walk)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower levels never import higher ones; within one level only the same sub-package.
LEVELS = {
    "errors": 0, "registry": 0, "backend": 0, "cuda": 0, "serialization": 0,
    "threads": 0, "allocator": 0, "accelerator": 0,
    "core": 1, "core_simple": 1.2,
    "compiler": 0, "amp": 0.5,  # torch.compile (identity), autocast and GradScaler
    "functions": 2, "tensors": 2, "saving": 2,
    "torch_pickle": 1.5,  # the .pt reader under saving: tensors and containers only
    "nn": 3, "optim": 3, "data": 3, "tensor_functions": 3, "tensor_structure": 3.05,
    "tensor_math": 3.1,
    "tensor_methods": 3.2,
    "linalg": 3.3,  # torch.linalg, on tensor_functions and tensor_math
    # distributions: torch.distributions, on tensors, functions and the tensor methods
    "distributions": 3.3,
    # utils: gradient checks (on core) and utils.data (framework.data, torch.utils.data).
    "utils": 3.5,
    # DeZero's modules, on nn/optim/data, below the trainer (models on layers, datasets on
    # transforms and utils' file finding).
    "layers": 3.7, "optimizers": 3.7, "transforms": 3.7, "dataloaders": 3.7,
    "models": 3.8, "datasets": 3.8,
    "plugin": 4, "config": 4, "logger": 4, "export": 4, "onnx": 4.1, "backends": 2,
    # vision: torchvision's data sets and transforms, on data
    "vision": 4,
    # distributed wraps nn modules and optimizers; the trainer uses it
    "distributed": 4,
    "trainer": 5,
    "__main__": 6, "__init__": 6, "sweep": 6,
    "cli": 7,
}


#: Upward imports that are names re-exported for PyTorch's paths, done on first use:
#: (file under framework/, imported module) -> why.
RE_EXPORTS = {
    ("nn/parallel.py", "framework.distributed"):
        "torch.nn.parallel.DistributedDataParallel is framework.distributed's class",
    ("cuda.py", "framework.amp"): "torch.cuda.amp is framework.amp's autocast and GradScaler",
}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from framework import nn` imports framework.nn
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            yield node.lineno, str(node.args[0].value)


def _part(module_name):
    """'framework.core.variable' -> 'core'; 'framework.cuda' -> 'cuda'."""
    parts = module_name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _framework_files():
    return sorted((ROOT / "framework").rglob("*.py"))


def test_every_framework_part_has_a_level():
    parts = {p.relative_to(ROOT / "framework").parts[0].removesuffix(".py")
             for p in _framework_files()}
    assert parts <= set(LEVELS), f"add {sorted(parts - set(LEVELS))} to LEVELS"


@pytest.mark.parametrize("path", _framework_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_down(path):
    rel = path.relative_to(ROOT / "framework")
    own = rel.parts[0].removesuffix(".py")
    own_level = LEVELS[own]
    bad = []
    for line, name in _imports(path):
        if name == "plugins" or name.startswith("plugins."):
            bad.append(f"line {line}: framework must never import {name}")
            continue
        if not name.startswith("framework.") or name == "framework":
            continue
        other = _part(name)
        if other == own or other not in LEVELS:
            continue
        level = LEVELS[other]
        if (rel.as_posix(), name) in RE_EXPORTS or \
                (rel.as_posix(), name.rpartition(".")[0]) in RE_EXPORTS:
            continue
        if level > own_level or (level == own_level and own_level != 0):
            bad.append(f"line {line}: {own} (level {own_level}) imports {name} (level {level})")
    assert not bad, "\n".join(bad)


def _all_sources():
    for top in ("framework", "plugins"):
        yield from sorted((ROOT / top).rglob("*.py"))
    yield from sorted(ROOT.glob("*.py"))


def test_only_backend_imports_cupy():
    offenders = []
    for path in _all_sources():
        if path == ROOT / "framework" / "backend.py":
            continue
        for line, name in _imports(path):
            if name.split(".")[0] in ("cupy", "cupyx"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_core_never_imports_functions():
    for path in sorted((ROOT / "framework" / "core").rglob("*.py")):
        names = [name for _, name in _imports(path)]
        assert not any(n.startswith("framework.functions") for n in names), path
