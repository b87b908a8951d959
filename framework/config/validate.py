"""Turning a parsed YAML mapping into an :class:`ExperimentConfig`, or a clear error.

Every error is a :class:`ConfigError` ``"<file>, line <n>: <dotted.path>: <problem>"``
(or ``"--set key=value: ..."`` for a value that came from an override), naming what was
expected, what was found, and the closest valid key for a misspelt one.
"""
import re

from framework.config.checks import (check_safe_name, closest, config_error, describe,
                                     is_int, is_number)
from framework.config.loader import RawConfig
from framework.config.schema import (ComponentConfig, DataLoaderArgs, DataLoaderConfig,
                                     DistributedConfig, ExperimentConfig, TrainerConfig,
                                     field_names)

DISTRIBUTED_BACKENDS = ("auto", "mpi", "nccl")

__all__ = ["validate_config", "dotted", "DEVICE_PATTERN"]

#: Device strings a config accepts (API.md): cpu, gpu, gpu:N, cuda, cuda:N.
DEVICE_PATTERN = re.compile(r"cpu|(?:gpu|cuda)(?::[0-9]+)?")
_MODULE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

TOP_REQUIRED = ("name", "arch", "data_loader", "loss", "optimizer", "trainer")
COMPONENT_KEYS = ("type", "args")
DATA_LOADER_ARGS = ("dataset", "batch_size", "shuffle", "validation_split")


def dotted(path):
    """Format a key path: ``("metrics", 0, "type")`` -> ``metrics[0].type``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Validator:
    def __init__(self, raw):
        self.raw = raw

    def where(self, path):
        return self.raw.where(path) if isinstance(self.raw, RawConfig) else None

    def error(self, path, message):
        return config_error(dotted(path), message, self.where(path))

    def check_keys(self, mapping, path, allowed, required=()):
        for key in mapping:
            if key not in allowed:
                match = closest(key, allowed)
                hint = f"; did you mean {match!r}?" if match else ""
                raise self.error(path + (key,),
                                 f"unknown key {key!r}{hint} (valid keys: {', '.join(allowed)})")
        for key in required:
            if key not in mapping:
                raise self.error(path, f"missing required key {key!r}")

    def mapping(self, value, path, example):
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping like {example}, got {describe(value)}")
        return value

    def integer(self, value, path, minimum, expected):
        if not is_int(value) or value < minimum:
            raise self.error(path, f"expected {expected}, got {describe(value)}")
        return int(value)

    def boolean(self, value, path):
        if not isinstance(value, bool):
            raise self.error(path, f"expected true or false, got {describe(value)}")
        return value

    def text(self, value, path, expected="a non-empty string"):
        if not isinstance(value, str) or not value.strip():
            raise self.error(path, f"expected {expected}, got {describe(value)}")
        return value

    def args(self, value, path):
        if value is None:
            return {}
        self.mapping(value, path, "{key: value, ...}")
        for key in value:
            if not isinstance(key, str):
                raise self.error(path + (key,), f"argument names must be strings, got "
                                                f"{describe(key)}")
        return dict(value)

    def component(self, value, path, allow_name=False):
        if allow_name and isinstance(value, str):
            return ComponentConfig(type=self.text(value, path, "a registered name"), args={})
        example = "{type: <registered name>, args: {...}}"
        if isinstance(value, str):
            raise self.error(path, f"expected a mapping like {example}, got {describe(value)}; "
                                   f"write {{type: {value}}}")
        self.mapping(value, path, example)
        self.check_keys(value, path, COMPONENT_KEYS, required=("type",))
        return ComponentConfig(type=self.text(value["type"], path + ("type",),
                                              "a registered name (a string)"),
                               args=self.args(value.get("args"), path + ("args",)))

    # -- sections ---------------------------------------------------------------------

    def top(self, raw):
        path = ()
        if not isinstance(raw, dict):
            raise self.error(path, f"the top level must be a mapping, got {describe(raw)}")
        # `sweep:` belongs to `zeronn sweep` (framework.sweep checks it); a run ignores it.
        self.check_keys(raw, path, field_names(ExperimentConfig) + ["sweep"], TOP_REQUIRED)
        if raw.get("sweep") is not None:
            self.mapping(raw["sweep"], ("sweep",), "{method: grid, parameters: {...}}")
        lr_scheduler = raw.get("lr_scheduler")
        return ExperimentConfig(
            name=check_safe_name(raw["name"], "name", self.where(("name",))),
            seed=self.seed(raw.get("seed", 0)),
            device=self.device(raw.get("device", "cpu")),
            plugins=self.plugins(raw.get("plugins")),
            arch=self.component(raw["arch"], ("arch",)),
            data_loader=self.data_loader(raw["data_loader"]),
            loss=self.component(raw["loss"], ("loss",), allow_name=True),
            metrics=self.metrics(raw.get("metrics")),
            optimizer=self.optimizer(raw["optimizer"]),
            lr_scheduler=None if lr_scheduler is None
            else self.component(lr_scheduler, ("lr_scheduler",)),
            callbacks=self.callbacks(raw.get("callbacks")),
            trainer=self.trainer(raw["trainer"]),
            distributed=self.distributed(raw.get("distributed")),
        )

    def distributed(self, value):
        if value is None:
            return None
        path = ("distributed",)
        self.mapping(value, path, "{backend: mpi, sync_batchnorm: false}")
        self.check_keys(value, path, field_names(DistributedConfig))
        backend = value.get("backend", "auto")
        if backend not in DISTRIBUTED_BACKENDS:
            raise self.error(path + ("backend",), f"expected one of "
                             f"{', '.join(DISTRIBUTED_BACKENDS)}, got {describe(backend)}")
        return DistributedConfig(
            backend=backend,
            sync_batchnorm=self.boolean(value.get("sync_batchnorm", False),
                                        path + ("sync_batchnorm",)))

    def metrics(self, value):
        if value is None:
            return []
        if not isinstance(value, list):
            hint = f"; write [{value}]" if isinstance(value, str) else ""
            raise self.error(("metrics",), f"expected a list of metric names, got "
                                           f"{describe(value)}{hint}")
        return [self.component(m, ("metrics", i), allow_name=True) for i, m in enumerate(value)]

    def callbacks(self, value):
        if value is None:
            return []
        if not isinstance(value, list):
            hint = f"; write [{value}]" if isinstance(value, str) else ""
            raise self.error(("callbacks",), f"expected a list of callback names or "
                                             f"{{type, args}} mappings, got "
                                             f"{describe(value)}{hint}")
        return [self.component(c, ("callbacks", i), allow_name=True)
                for i, c in enumerate(value)]

    def seed(self, value):
        if not is_int(value) or not 0 <= value < 2 ** 32:
            raise self.error(("seed",), f"expected an integer in [0, 2**32), got "
                                        f"{describe(value)}")
        return int(value)

    def device(self, value):
        if not isinstance(value, str) or not DEVICE_PATTERN.fullmatch(value):
            raise self.error(("device",), f"expected 'cpu', 'gpu', 'gpu:N', 'cuda' or "
                                          f"'cuda:N', got {describe(value)}")
        return value

    def plugins(self, value):
        if value is None:
            return []
        if not isinstance(value, list):
            hint = f"; write [{value}]" if isinstance(value, str) else ""
            raise self.error(("plugins",), f"expected a list of module names, got "
                                           f"{describe(value)}{hint}")
        for i, name in enumerate(value):
            if not isinstance(name, str) or not _MODULE_PATTERN.fullmatch(name):
                raise self.error(("plugins", i), f"expected an importable module name like "
                                                 f"'my_project.models', got {describe(name)}")
        return list(value)

    def data_loader(self, value):
        path = ("data_loader",)
        self.mapping(value, path, "{type: DataLoader, args: {dataset: {...}, batch_size: 64}}")
        self.check_keys(value, path, COMPONENT_KEYS, required=("args",))
        loader_type = self.text(value.get("type", "DataLoader"), path + ("type",),
                                "a registered data loader name")
        apath = path + ("args",)
        args = self.args(value["args"], apath)
        if "dataset" not in args:
            raise self.error(apath, "missing required key 'dataset' (e.g. "
                                    "dataset: {type: digits, args: {}})")
        batch_size = self.integer(args.get("batch_size", 1), apath + ("batch_size",), 1,
                                  "a positive integer")
        shuffle = self.boolean(args.get("shuffle", False), apath + ("shuffle",))
        split = args.get("validation_split", 0.0)
        split_ok = is_int(split) and split >= 0 or \
            is_number(split) and not is_int(split) and 0.0 <= split < 1.0
        if not split_ok:
            raise self.error(apath + ("validation_split",),
                             f"expected a fraction in [0, 1) or a sample count >= 0, got "
                             f"{describe(split)}")
        extra = {k: v for k, v in args.items() if k not in DATA_LOADER_ARGS}
        return DataLoaderConfig(type=loader_type, args=DataLoaderArgs(
            dataset=self.component(args["dataset"], apath + ("dataset",)),
            batch_size=batch_size, shuffle=shuffle,
            validation_split=int(split) if is_int(split) else float(split), extra=extra))

    def optimizer(self, value):
        comp = self.component(value, ("optimizer",))
        apath = ("optimizer", "args")
        if "lr" in comp.args:
            lr = comp.args["lr"]
            if not is_number(lr) or not lr > 0:
                raise self.error(apath + ("lr",), f"expected a positive number, got "
                                                  f"{describe(lr)}")
        if "weight_decay" in comp.args:
            wd = comp.args["weight_decay"]
            if not is_number(wd) or not wd >= 0:
                raise self.error(apath + ("weight_decay",), f"expected a number >= 0, got "
                                                            f"{describe(wd)}")
        return comp

    def monitor(self, value, path):
        if value is False or isinstance(value, str) and value.strip().lower() == "off":
            return "off"  # YAML 1.1 reads a bare `off` as false
        parts = value.split() if isinstance(value, str) else []
        if len(parts) != 2 or parts[0] not in ("min", "max"):
            raise self.error(path, f"expected 'off', 'min <metric>' or 'max <metric>' "
                                   f"(e.g. 'min val_loss'), got {describe(value)}")
        return f"{parts[0]} {parts[1]}"

    def trainer(self, value):
        path = ("trainer",)
        self.mapping(value, path, "{epochs: 20, save_dir: saved/, ...}")
        self.check_keys(value, path, field_names(TrainerConfig), required=("epochs",))
        defaults = TrainerConfig(epochs=1)
        get = lambda key: value.get(key, getattr(defaults, key))  # noqa: E731
        verbosity = get("verbosity")
        if not is_int(verbosity) or verbosity not in (0, 1, 2):
            raise self.error(path + ("verbosity",), f"expected 0, 1 or 2, got "
                                                    f"{describe(verbosity)}")
        early_stop = get("early_stop")
        return TrainerConfig(
            type=self.text(get("type"), path + ("type",), "a registered trainer name"),
            args=self.args(value.get("args"), path + ("args",)),
            epochs=self.integer(get("epochs"), path + ("epochs",), 1, "a positive integer"),
            save_dir=self.text(get("save_dir"), path + ("save_dir",),
                               "a folder path (a non-empty string)"),
            save_period=self.integer(get("save_period"), path + ("save_period",), 1,
                                     "a positive integer"),
            verbosity=int(verbosity),
            monitor=self.monitor(get("monitor"), path + ("monitor",)),
            early_stop=0 if early_stop is None else self.integer(
                early_stop, path + ("early_stop",), 0,
                "an integer >= 0 (0 turns early stopping off)"),
            tensorboard=self.boolean(get("tensorboard"), path + ("tensorboard",)),
            log_step=self.integer(get("log_step"), path + ("log_step",), 1,
                                  "a positive integer"),
            histograms=self.boolean(get("histograms"), path + ("histograms",)),
            threads=self.threads(get("threads"), path + ("threads",)),
        )

    def threads(self, value, path):
        if value == "auto":
            return value
        return self.integer(value, path, 1, "'auto' or a positive integer")


def validate_config(raw):
    """Validate a parsed config mapping.

    Args:
        raw: a dict, typically a :class:`RawConfig` from :func:`load_yaml` (after
            :func:`apply_overrides`); its locations make errors name file and line.

    Returns:
        An :class:`ExperimentConfig`.

    Raises:
        ConfigError: an unknown key (with the closest valid one), a missing required
            key, a value of the wrong type, or a value out of range.
    """
    return _Validator(raw).top(raw)
