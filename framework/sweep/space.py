"""The search space of a sweep: the ``sweep:`` config section and ``--grid`` options.

    sweep:
      method: grid            # grid | random | tpe (tpe needs the `tune` extra: optuna)
      parameters:             # dotted config keys
        optimizer.args.lr: [1e-3, 3e-3]                  # values to try
        arch.args.hidden: [[64], [128, 64]]
        optimizer.args.weight_decay: {min: 1e-6, max: 1e-3, log: true}   # random / tpe
      trials: 20              # random / tpe: how many (grid: every combination)
      workers: 2              # trials run at the same time, one process each
      seed: 0                 # of the random / tpe sampler

A grid takes lists only; a range ``{min, max, log}`` draws floats, or ints when both
bounds are ints (``type: int|float`` says it outright).
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import yaml

from framework.config.loader import parse_value
from framework.errors import ConfigError

__all__ = ["SweepSpec", "Range", "parse_sweep", "parse_grid_option", "grid_trials",
           "random_trials", "format_override", "METHODS"]

METHODS = ("grid", "random", "tpe")
_KEYS = ("method", "parameters", "trials", "workers", "seed", "threads")


@dataclass
class Range:
    """A numeric range ``{min, max, log, type}`` to draw from."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def to_dict(self):
        return {"min": self.low, "max": self.high, "log": self.log,
                "type": "int" if self.integer else "float"}


@dataclass
class SweepSpec:
    """A parsed ``sweep:`` section.

    Attributes:
        method: ``grid``, ``random`` or ``tpe``.
        parameters: ``{dotted.key: [values] | Range}`` in the order written.
        trials: the number of trials (the grid's size for ``grid``).
        workers: trials run at once (one process each).
        seed: the sampler's seed.
        threads: BLAS threads per worker (None: the cores divided among the workers).
    """

    method: str = "grid"
    parameters: dict = field(default_factory=dict)
    trials: int | None = None
    workers: int = 1
    seed: int = 0
    threads: int | None = None

    def to_dict(self):
        params = {k: (v.to_dict() if isinstance(v, Range) else list(v))
                  for k, v in self.parameters.items()}
        return {"method": self.method, "parameters": params, "trials": self.trials,
                "workers": self.workers, "seed": self.seed, "threads": self.threads}


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _positive_int(value, where, allow_none=False):
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < 1:
        raise ConfigError(f"{where}: expected a positive integer, got {value!r}")
    return int(value)


def _range(value, where):
    unknown = set(value) - {"min", "max", "log", "type"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)} in a range; expected "
                          f"{{min, max, log, type}}")
    if "min" not in value or "max" not in value:
        raise ConfigError(f"{where}: a range needs min and max, got {value!r}")
    low, high = value["min"], value["max"]
    if not (_is_num(low) and _is_num(high)) or not low < high:
        raise ConfigError(f"{where}: expected numbers min < max, got min={low!r}, "
                          f"max={high!r}")
    log = value.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{where}.log: expected true or false, got {log!r}")
    if log and low <= 0:
        raise ConfigError(f"{where}: a log range needs min > 0, got {low!r}")
    kind = value.get("type", "int" if _is_int(low) and _is_int(high) else "float")
    if kind not in ("int", "float"):
        raise ConfigError(f"{where}.type: expected int or float, got {kind!r}")
    return Range(float(low), float(high), log, kind == "int")


def parse_sweep(section, where="sweep"):
    """Check a ``sweep:`` mapping and return a :class:`SweepSpec`.

    Raises:
        ConfigError: an unknown key, method, an empty parameter list, a range in a grid,
            a bad trials/workers count; the message names the key.
    """
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping like {{method: grid, parameters: "
                          f"{{optimizer.args.lr: [1e-3, 1e-2]}}}}, got {section!r}")
    for key in section:
        if key not in _KEYS:
            raise ConfigError(f"{where}.{key}: unknown key; valid keys: {', '.join(_KEYS)}")
    method = section.get("method", "grid")
    if method not in METHODS:
        raise ConfigError(f"{where}.method: expected one of {', '.join(METHODS)}, got "
                          f"{method!r}")
    raw_params = section.get("parameters") or {}
    if not isinstance(raw_params, dict) or not raw_params:
        raise ConfigError(f"{where}.parameters: expected a mapping of dotted config keys to "
                          f"value lists or ranges, e.g. {{optimizer.args.lr: [1e-3, 1e-2]}}")
    params = {}
    for key, value in raw_params.items():
        here = f"{where}.parameters.{key}"
        if not isinstance(key, str) or not key.strip() or "=" in key:
            raise ConfigError(f"{here}: expected a dotted config key like optimizer.args.lr")
        if isinstance(value, dict):
            if method == "grid":
                raise ConfigError(f"{here}: a grid takes a list of values, got the range "
                                  f"{value!r}; use method: random or tpe for ranges")
            params[key] = _range(value, here)
        elif isinstance(value, list) and value:
            params[key] = list(value)
        else:
            raise ConfigError(f"{here}: expected a non-empty list of values or a range "
                              f"{{min, max, log}}, got {value!r}")
    trials = _positive_int(section.get("trials"), f"{where}.trials", allow_none=True)
    if method != "grid" and trials is None:
        raise ConfigError(f"{where}.trials: method {method} needs a number of trials")
    spec = SweepSpec(method=method, parameters=params, trials=trials,
                     workers=_positive_int(section.get("workers", 1), f"{where}.workers"),
                     seed=section.get("seed", 0),
                     threads=_positive_int(section.get("threads"), f"{where}.threads",
                                           allow_none=True))
    if not _is_int(spec.seed):
        raise ConfigError(f"{where}.seed: expected an integer, got {spec.seed!r}")
    if method == "grid":
        size = math.prod(len(v) for v in params.values())
        if trials is not None and trials != size:
            raise ConfigError(f"{where}.trials: a grid of {size} combinations runs {size} "
                              f"trials, got trials: {trials}; leave trials out")
        spec.trials = size
    return spec


def _split_top_level(text):
    """Split ``"[64],[128, 64],3"`` at commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_grid_option(item):
    """``"optimizer.args.lr=1e-3,3e-3"`` -> ``("optimizer.args.lr", [0.001, 0.003])``.

    Raises:
        ConfigError: no ``=``, no key, or an empty value.
    """
    if not isinstance(item, str) or "=" not in item:
        raise ConfigError(f"--grid expects key=v1,v2,... (e.g. --grid optimizer.args.lr="
                          f"1e-3,1e-2), got {item!r}")
    key, text = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"--grid {item}: the key is empty")
    values = [parse_value(p, f"--grid {item}") for p in _split_top_level(text)]
    if any(p == "" for p in _split_top_level(text)):
        raise ConfigError(f"--grid {item}: an empty value; expected key=v1,v2,...")
    return key, values


def grid_trials(spec):
    """Every combination of the grid's values, the last key varying fastest."""
    keys = list(spec.parameters)
    return [dict(zip(keys, combo))
            for combo in itertools.product(*(spec.parameters[k] for k in keys))]


def _draw(rng, value):
    if isinstance(value, Range):
        if value.log:
            x = math.exp(rng.uniform(math.log(value.low), math.log(value.high)))
        else:
            x = rng.uniform(value.low, value.high)
        if value.integer:
            return int(min(max(round(x), math.ceil(value.low)), math.floor(value.high)))
        return float(f"{x:.6g}")  # readable in folder tables; far below any lr's noise
    return value[int(rng.integers(len(value)))]


def random_trials(spec):
    """``spec.trials`` parameter sets drawn with ``spec.seed`` (the same every time)."""
    rng = np.random.default_rng(spec.seed)
    return [{k: _draw(rng, v) for k, v in spec.parameters.items()}
            for _ in range(spec.trials)]


def format_override(key, value):
    """``--set`` text for one parameter value (YAML flow style: lists stay lists)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    if text.endswith("\n..."):
        text = text[:-4].strip()
    if text.endswith("..."):
        text = text[:-3].strip()
    return f"{key}={text}"
