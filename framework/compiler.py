"""``torch.compile`` and the float32 matmul precision switch, for scripts that call them.

There is no compiler here: ``compile(model)`` returns the model itself (its results are
exactly the uncompiled ones, which is what a correct compiler gives too), and
``set_float32_matmul_precision`` records the setting (numpy's and cupy's float32 GEMMs
keep their full precision).
"""

__all__ = ["compile", "set_float32_matmul_precision", "get_float32_matmul_precision",
           "disable", "is_compiling"]

_PRECISION = "highest"


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable=False):
    """Return ``model`` unchanged (or, as ``@compile(...)``, a decorator doing so)."""
    if model is None:
        return lambda fn: fn
    return model


def disable(fn=None, recursive=True):
    """``torch.compiler.disable``: ``fn`` unchanged."""
    return (lambda f: f) if fn is None else fn


def is_compiling():
    return False


def set_float32_matmul_precision(precision):
    """Record ``"highest"``, ``"high"`` or ``"medium"`` (GEMMs stay full float32).

    Raises:
        ValueError: another value, as PyTorch.
    """
    global _PRECISION
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                         f"'medium', got {precision!r}")
    _PRECISION = precision


def get_float32_matmul_precision():
    return _PRECISION
