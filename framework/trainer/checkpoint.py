"""Training checkpoints: model, optimizer, scheduler and RNG state in one ``.npz``.

A checkpoint is written by :func:`framework.serialization.save_npz` (atomic, no pickle).
Nested states (an optimizer's ``{"state": {...}, "param_groups": [...]}``, a scheduler's
flat dict, RNG states) are flattened by :func:`flatten_state`: every array becomes an
archive entry under a prefixed key (``model/fc.weight``, ``optimizer/state/fc.weight/exp_avg``)
and everything else stays in a JSON "skeleton" that points at those entries.
:func:`unflatten_state` rebuilds the exact structure: dict key types, tuples and numpy
scalar dtypes survive the round trip.

The JSON metadata entry of a checkpoint looks like::

    {"format": "zeronn-checkpoint", "format_version": 1,
     "metadata": {"epoch": 3, "step": 150, "monitor_best": 0.21, "not_improved_count": 0,
                  "config": {...resolved config...}, "versions": {"numpy": "2.4.6", ...}},
     "state": {"model": {...skeleton...}, "optimizer": ..., "scheduler": ..., "rng": ...}}

``metadata`` is whatever the trainer passes; the keys above are the trainer's convention.
"""
import os
import random
from dataclasses import dataclass, field

import numpy as np

from framework.backend import is_array
from framework.errors import CheckpointError
from framework.serialization import load_npz, save_npz

__all__ = [
    "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "BEST_CHECKPOINT", "Checkpoint",
    "checkpoint_filename", "save_checkpoint", "load_checkpoint",
    "flatten_state", "unflatten_state", "capture_rng_state", "restore_rng_state",
    "check_metadata", "resume_command", "set_resume_program",
]

CHECKPOINT_FORMAT = "zeronn-checkpoint"
CHECKPOINT_VERSION = 1
#: File name of the best model (by the monitored metric) inside a run folder.
BEST_CHECKPOINT = "model_best.npz"

_SECTIONS = ("model", "optimizer", "scheduler", "rng", "callbacks")

# Skeleton markers: a one-key JSON object with one of these keys is not a plain dict.
_ARRAY = "__array__"       # {"__array__": "<entry>"}      -> ndarray
_NPSCALAR = "__npscalar__"  # {"__npscalar__": "<entry>"}  -> numpy scalar of that dtype
_TUPLE = "__tuple__"       # {"__tuple__": [...]}          -> tuple
_DICT = "__dict__"         # {"__dict__": [[key, value]]}  -> dict with non-str keys
_MARKERS = frozenset((_ARRAY, _NPSCALAR, _TUPLE, _DICT))
_JSON_KEY_TYPES = (str, int, float, bool, type(None))


def checkpoint_filename(epoch):
    """Return ``checkpoint-epoch<N>.npz``, the name of the checkpoint saved after epoch N."""
    return f"checkpoint-epoch{int(epoch)}.npz"


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns.

    Attributes:
        path: the file it was read from.
        model_state: ``{name: ndarray}`` for ``Module.load_state_dict``.
        optimizer_state, scheduler_state, rng_state: the nested states as saved, or None.
        callbacks_state: ``{callback key: state}`` of the trainer's callbacks, or None.
        metadata: the trainer's metadata dict (epoch, step, config, versions, ...).
    """

    path: str
    model_state: dict
    optimizer_state: object = None
    scheduler_state: object = None
    rng_state: object = None
    metadata: dict = field(default_factory=dict)
    callbacks_state: object = None

    @property
    def epoch(self):
        """The epoch the checkpoint was saved after, or None."""
        return self.metadata.get("epoch")

    @property
    def config(self):
        """The resolved experiment config (a plain dict), or None."""
        return self.metadata.get("config")


_is_array = is_array  # numpy or cupy, recognised without importing cupy


def _claim(name, arrays):
    """Return an entry name not used yet (keys containing '/' could otherwise collide)."""
    if name not in arrays:
        return name
    n = 1
    while f"{name}#{n}" in arrays:
        n += 1
    return f"{name}#{n}"


def _flatten(node, key, arrays):
    if _is_array(node):
        name = _claim(key, arrays)
        arrays[name] = node
        return {_ARRAY: name}
    if isinstance(node, np.generic):  # before float: np.float64 is a float subclass
        name = _claim(key, arrays)
        arrays[name] = np.asarray(node)
        return {_NPSCALAR: name}
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict):
        items = []
        for k, v in node.items():
            if not isinstance(k, _JSON_KEY_TYPES):
                raise TypeError(f"cannot store state {key!r}: dict key {k!r} is a "
                                f"{type(k).__name__}; keys must be str, int, float, bool or None")
            items.append((k, _flatten(v, f"{key}/{k}", arrays)))
        if all(isinstance(k, str) for k, _ in items) and not _MARKERS.intersection(node):
            return dict(items)
        return {_DICT: [[k, v] for k, v in items]}
    if isinstance(node, tuple):
        return {_TUPLE: [_flatten(v, f"{key}/{i}", arrays) for i, v in enumerate(node)]}
    if isinstance(node, list):
        return [_flatten(v, f"{key}/{i}", arrays) for i, v in enumerate(node)]
    raise TypeError(f"cannot store state {key!r}: values must be arrays, numbers, strings, "
                    f"None, or dicts/lists/tuples of them, got {type(node).__name__}")


def flatten_state(state, prefix):
    """Split a nested state into a JSON skeleton and ``{entry: array}``.

    Args:
        state: dicts, lists and tuples nesting arrays (numpy or cupy), numpy scalars,
            and JSON scalars (str, int, float, bool, None).
        prefix: prepended to every entry name, e.g. ``"optimizer"``.

    Returns:
        ``(skeleton, arrays)``: a JSON-serializable structure and the arrays it refers to,
        named ``<prefix>/<key>/<key>...``.

    Raises:
        TypeError: a value or dict key of another type (the message names its path).
    """
    arrays = {}
    skeleton = _flatten(state, prefix, arrays)
    return skeleton, arrays


def _unflatten(node, arrays, where):
    if isinstance(node, list):
        return [_unflatten(v, arrays, where) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (marker, value), = node.items()
        if marker in (_ARRAY, _NPSCALAR):
            if value not in arrays:
                raise CheckpointError(f"{where}: entry {value!r} is missing from the archive; "
                                      f"the checkpoint is damaged")
            return arrays[value] if marker == _ARRAY else arrays[value][()]
        if marker == _TUPLE:
            return tuple(_unflatten(v, arrays, where) for v in value)
        if marker == _DICT:
            return {k: _unflatten(v, arrays, where) for k, v in value}
    return {k: _unflatten(v, arrays, where) for k, v in node.items()}


def unflatten_state(skeleton, arrays, where="state"):
    """Rebuild what :func:`flatten_state` split.

    Args:
        skeleton: the JSON structure from :func:`flatten_state` (after a JSON round trip).
        arrays: the archive entries it refers to.
        where: names the source in error messages (e.g. the file).

    Returns:
        The original nested state.

    Raises:
        CheckpointError: the skeleton refers to an entry that is not in ``arrays``.
    """
    return _unflatten(skeleton, arrays, where)


def save_checkpoint(path, *, model_state, optimizer_state=None, scheduler_state=None,
                    rng_state=None, metadata=None, callbacks_state=None):
    """Write a checkpoint atomically (a crash mid-save keeps the previous file).

    Args:
        path: destination ``.npz``; its folder must exist.
        model_state: ``Module.state_dict()``.
        optimizer_state: ``Optimizer.state_dict()`` or None.
        scheduler_state: the lr scheduler's ``state_dict()`` or None.
        rng_state: :func:`capture_rng_state` (plus any generator states) or None.
        metadata: a JSON-serializable dict: epoch, step, monitor_best,
            not_improved_count, config, versions, ...
        callbacks_state: ``{callback key: state}`` (None: the section is left out).

    Raises:
        TypeError: a state holds a value that cannot be stored (its path is named).
        FileNotFoundError: the destination folder does not exist.
    """
    states = {"model": model_state, "optimizer": optimizer_state,
              "scheduler": scheduler_state, "rng": rng_state}
    if callbacks_state is not None:  # only runs with stateful callbacks have the section
        states["callbacks"] = callbacks_state
    arrays = {}
    skeletons = {}
    for section, state in states.items():
        skeleton, section_arrays = flatten_state(state, section)
        skeletons[section] = skeleton
        arrays.update(section_arrays)  # prefixes differ, so sections cannot collide
    meta = {"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION,
            "metadata": dict(metadata or {}), "state": skeletons}
    save_npz(path, arrays, meta)


def _missing_message(path):
    folder = os.path.dirname(os.path.abspath(path))
    hint = "pass a checkpoint-epoch<N>.npz or model_best.npz from saved/models/<name>/<run_id>/"
    if os.path.isdir(folder):
        found = sorted(f for f in os.listdir(folder) if f.endswith(".npz"))
        if found:
            hint = f"that folder holds: {', '.join(found[:10])}"
    return f"checkpoint not found: {path} ({hint})"


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_real(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: The trainer's metadata fields: (check, what is expected).  Absent or None is fine.
_META_FIELDS = {
    "epoch": (_is_count, "an integer >= 0"),
    "step": (_is_count, "an integer >= 0"),
    "best_epoch": (_is_count, "an integer >= 0"),
    "not_improved_count": (_is_count, "an integer >= 0"),
    "monitor_best": (_is_real, "a number"),
    "monitor": (lambda v: isinstance(v, str), "a string such as 'min val_loss'"),
    "config": (lambda v: isinstance(v, dict), "a mapping (the resolved config)"),
    "versions": (lambda v: isinstance(v, dict), "a mapping of package versions"),
    "history": (lambda v: isinstance(v, list) and all(isinstance(h, dict) for h in v),
                "a list of per-epoch mappings"),
}


def check_metadata(path, meta):
    """Check the types of the trainer's metadata fields (``epoch: true`` is refused).

    Raises:
        CheckpointError: naming the field, its value and what was expected.
    """
    for key, (ok, expected) in _META_FIELDS.items():
        value = meta.get(key)
        if value is not None and not ok(value):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise CheckpointError(f"{path}: metadata field {key!r} is {shown} "
                                  f"({type(value).__name__}), expected {expected}; the file "
                                  f"is damaged or was not written by zeronn")


def _check_model_arrays(path, model_state):
    for name, value in model_state.items():
        if not isinstance(name, str):
            raise CheckpointError(f"{path}: the model state has a non-string key {name!r}")
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise CheckpointError(f"{path}: model entry {name!r} is {kind}, expected a "
                                  f"numeric array")


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint`.

    Args:
        path: the ``.npz`` file.

    Returns:
        A :class:`Checkpoint`.

    Raises:
        CheckpointError: the file is missing, a folder, truncated or corrupt, not a
            zeronn checkpoint (e.g. plain weights from ``save_weights``), written by
            a newer format version, or a metadata field or model entry has the wrong
            type (see :func:`check_metadata`).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        found = sorted(f for f in os.listdir(path) if f.endswith(".npz"))
        hint = f"; it holds {', '.join(found[:10])}" if found else ""
        raise CheckpointError(f"checkpoint {path} is a folder, expected an .npz file{hint}")
    if not os.path.exists(path):
        raise CheckpointError(_missing_message(path))
    try:
        arrays, meta = load_npz(path)
    except OSError as exc:  # unreadable (permissions, I/O): still the user's file to fix
        raise CheckpointError(f"cannot read checkpoint {path}: "
                              f"{exc.strerror or exc}") from None
    if not meta or meta.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"{path} is not a zeronn checkpoint (no {CHECKPOINT_FORMAT!r} format marker in "
            f"its metadata); plain weights load with model.load_weights()")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{path}: invalid checkpoint format version {version!r}")
    if version > CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {version} is newer than this zeronn reads "
            f"({CHECKPOINT_VERSION}); upgrade zeronn to load it")
    skeletons = meta.get("state")
    user_meta = meta.get("metadata", {})
    if not isinstance(skeletons, dict) or "model" not in skeletons \
            or not isinstance(user_meta, dict):
        raise CheckpointError(f"{path}: checkpoint metadata lacks its 'state' or 'metadata' "
                              f"section; the file is damaged")
    check_metadata(path, user_meta)
    try:
        states = {s: unflatten_state(skeletons.get(s), arrays, where=path) for s in _SECTIONS}
    except (TypeError, ValueError, AttributeError) as exc:  # a skeleton of the wrong shape
        raise CheckpointError(f"{path}: its state skeleton is malformed ({type(exc).__name__}: "
                              f"{exc}); the file is damaged") from None
    if not isinstance(states["model"], dict):
        raise CheckpointError(f"{path}: the model state is not a dict of arrays")
    _check_model_arrays(path, states["model"])
    return Checkpoint(path=path, model_state=states["model"],
                      optimizer_state=states["optimizer"],
                      scheduler_state=states["scheduler"], rng_state=states["rng"],
                      metadata=user_meta, callbacks_state=states["callbacks"])


def capture_rng_state():
    """Capture numpy's legacy global RNG and Python's ``random`` as arrays and numbers.

    Returns:
        ``{"numpy": {...}, "python": {...}}``, storable with :func:`save_checkpoint`.
        Callers may add more entries (e.g. a ``Generator.bit_generator.state``).
    """
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    version, internal, gauss_next = random.getstate()
    return {
        "numpy": {"kind": str(kind), "keys": np.array(keys, dtype=np.uint32), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "internal": np.array(internal, dtype=np.int64),
                   "gauss_next": gauss_next},
    }


def restore_rng_state(state):
    """Restore what :func:`capture_rng_state` captured (other entries are ignored).

    Args:
        state: the dict from :func:`capture_rng_state`, possibly after a save/load.

    Raises:
        CheckpointError: the state is malformed.
    """
    if not isinstance(state, dict):
        raise CheckpointError(f"rng state must be a dict, got {type(state).__name__}")
    numpy_state = python_state = None
    try:  # build both before setting either, so a bad state changes nothing
        if state.get("numpy") is not None:
            s = state["numpy"]
            keys = np.asarray(s["keys"], dtype=np.uint32)
            if keys.shape != (624,):
                raise ValueError(f"numpy keys have shape {keys.shape}, expected (624,)")
            numpy_state = (str(s["kind"]), keys, int(s["pos"]), int(s["has_gauss"]),
                           float(s["cached_gaussian"]))
        if state.get("python") is not None:
            s = state["python"]
            internal = tuple(int(v) for v in np.asarray(s["internal"]).tolist())
            if len(internal) != 625:
                raise ValueError(f"python state has {len(internal)} words, expected 625")
            python_state = (int(s["version"]), internal, s["gauss_next"])
        if numpy_state is not None:
            np.random.set_state(numpy_state)
        if python_state is not None:
            random.setstate(python_state)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise CheckpointError(f"rng state is malformed ({type(exc).__name__}: {exc}); the "
                              f"checkpoint is damaged or from another program") from None


# --------------------------------------------------------------------------- resume hints
_resume_program = "python train.py"


def set_resume_program(program):
    """Name the command that started training (``python train.py`` or ``zeronn train``),
    for the ``resume with: ...`` hints of interrupted and failed runs."""
    global _resume_program
    _resume_program = program


def resume_command(path):
    """``<the command that started training> -r PATH``."""
    return f"{_resume_program} -r {path}"

