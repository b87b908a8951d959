"""Running a sweep: trials as ordinary training runs in worker processes.

A sweep folder ``<save_dir>/sweeps/<name>/<sweep_id>/`` holds

    config.yaml     the base config every trial starts from (no ``sweep:`` section;
                    ``trainer.save_dir`` is the sweep folder; the data split pinned)
    sweep.yaml      the search space and, for grid and random, the list of trials
    journal.jsonl   one line per trial start and end (see :mod:`framework.sweep.journal`)
    models/<name>/trial_NNN/, log/<name>/trial_NNN/   each trial's run folders
    output/trial_NNN.txt   what each trial's process printed
    results.csv     the final table, best first

Each trial is ``python -m framework.sweep.trial -c config.yaml --set key=value...
--run-id trial_NNN``, which is ``zeronn train`` with the same arguments (a trial can be
rerun by hand) that also stops when the sweep process dies.  ``workers`` trials run at once, each with at most the cores divided among the
workers as BLAS threads (``ZERONN_WORKERS`` for the framework's automatic choice, the
usual pool variables as the cap, set before numpy loads), or exactly ``threads`` when
the sweep pins them (``--threads`` in the worker).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from framework.errors import ConfigError
from framework.sweep.hparams import metric_names, write_experiment, write_session
from framework.sweep.journal import Journal
from framework.sweep.results import collect_result, sort_results, table_text, write_csv
from framework.sweep.space import format_override, grid_trials, parse_sweep, random_trials

__all__ = ["create_sweep", "run_sweep", "load_spec", "SweepInterrupted", "trial_id",
           "THREAD_VARIABLES"]

#: The variables that size numpy's BLAS / OpenMP thread pools in a worker process.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_POLL_SECONDS = 0.2


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the sweep; finished trials stay in the journal."""


def trial_id(index):
    """``3`` -> ``trial_003`` (the run id of a trial's folders)."""
    return f"trial_{index:03d}"


def _dump_yaml(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False, default_flow_style=None)
    os.replace(tmp, path)


def create_sweep(base_raw, spec, sweep_dir):
    """Write a new sweep folder's ``config.yaml`` and ``sweep.yaml``.

    Args:
        base_raw: the experiment's raw config (overrides applied, no ``sweep:``).
        spec: the :class:`SweepSpec`.
        sweep_dir: the new folder (created; must not hold a sweep yet).

    Returns:
        The sweep folder as a Path.
    """
    from framework.config import validate_config
    sweep_dir = Path(sweep_dir)
    base = dict(base_raw)
    base.pop("sweep", None)
    base["trainer"] = dict(base.get("trainer") or {}, save_dir=str(sweep_dir),
                           tensorboard=True)
    # The data split is pinned: a trial that varies `seed` still validates on the same
    # samples (the split the base config's seed gives today).
    dl = dict(base["data_loader"])
    dl_args = dict(dl.get("args") or {})
    dl_args.setdefault("split_seed", base.get("seed", 0))
    dl["args"] = dl_args
    base["data_loader"] = dl
    # The sweep writes each trial's HPARAMS session itself (its experiment lists the swept
    # keys); an `hparams` callback in a trial would write a second experiment.
    callbacks = base.get("callbacks") or []
    if isinstance(callbacks, list):
        base["callbacks"] = [c for c in callbacks if c != "hparams" and not
                             (isinstance(c, dict) and c.get("type") == "hparams")]
        if not base["callbacks"] and "callbacks" not in base_raw:
            del base["callbacks"]
    cfg = validate_config(base)
    if cfg.trainer.monitor == "off":
        raise ConfigError("trainer.monitor is off: a sweep ranks trials by the monitored "
                          "metric; set e.g. trainer.monitor: min val_loss")
    trials = None
    if spec.method == "grid":
        trials = grid_trials(spec)
    elif spec.method == "random":
        trials = random_trials(spec)
    if trials is not None:
        _check_trials(base, trials)
    sweep_dir.mkdir(parents=True, exist_ok=False)
    _dump_yaml(sweep_dir / "config.yaml", _plain(base))
    doc = {"sweep": spec.to_dict()}
    if trials is not None:
        doc["trials"] = [{"id": trial_id(i), "params": p} for i, p in enumerate(trials)]
    _dump_yaml(sweep_dir / "sweep.yaml", doc)
    return sweep_dir


def _plain(obj):
    """A RawConfig (dict subclass) and its contents as plain YAML-able data."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _check_trials(base, trials):
    """Every trial's config is valid before the first one starts."""
    from framework.config import apply_overrides, validate_config
    for i, params in enumerate(trials):
        sets = [format_override(k, v) for k, v in params.items()]
        try:
            validate_config(apply_overrides(base, sets))
        except ConfigError as exc:
            raise ConfigError(f"sweep trial {trial_id(i)} ({', '.join(sets)}): {exc}") \
                from None


def load_spec(sweep_dir):
    """``(spec, trials or None)`` from a sweep folder's ``sweep.yaml``."""
    path = Path(sweep_dir) / "sweep.yaml"
    if not path.is_file():
        raise ConfigError(f"{sweep_dir} is not a sweep folder: it has no sweep.yaml")
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    section = dict(doc["sweep"])
    params = {}
    for key, value in section["parameters"].items():
        if isinstance(value, dict):
            params[key] = {k: value[k] for k in ("min", "max", "log", "type")}
        else:
            params[key] = value
    section["parameters"] = params
    trials = section.pop("trials", None)
    spec = parse_sweep({**section, **({"trials": trials} if section["method"] != "grid"
                                      else {})}, f"{path}: sweep")
    listed = doc.get("trials")
    return spec, ([(t["id"], t["params"]) for t in listed] if listed is not None else None)


def _cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _threads(spec, workers):
    return spec.threads or max(1, _cores() // workers)


def _worker_env(threads, workers, pinned=False):
    """The environment of a trial's process: at most ``threads`` BLAS threads.

    ``ZERONN_WORKERS`` tells the framework's automatic thread choice how many processes
    share the cores; the pool variables cap it (and size the pools of libraries that
    read nothing else); ``pinned`` fixes the count instead (``ZERONN_THREADS``).
    """
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env["ZERONN_WORKERS"] = str(workers)
    if pinned:
        env["ZERONN_THREADS"] = str(threads)
    # The worker imports this same framework, and the config's local plugins.
    root = str(Path(__file__).resolve().parents[2])
    parts = [root, os.getcwd()] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    return env


class _Trial:
    def __init__(self, tid, params, process, output, started):
        self.id, self.params, self.process = tid, params, process
        self.output, self.started = output, started


def _run_dirs(sweep_dir, name, tid):
    return sweep_dir / "models" / name / tid, sweep_dir / "log" / name / tid


def _start(sweep_dir, name, tid, params, threads, journal, workers=1, pinned=False):
    models_dir, log_dir = _run_dirs(sweep_dir, name, tid)
    for leftover in (models_dir, log_dir):
        # A trial cut off by an earlier interruption: its partial folders go, it reruns.
        if leftover.exists():
            shutil.rmtree(leftover)
    # The folder as found now: a sweep folder that was moved still resumes in place.
    sets = ["--set", format_override("trainer.save_dir", str(sweep_dir))]
    for key, value in params.items():
        sets += ["--set", format_override(key, value)]
    cmd = [sys.executable, "-m", "framework.sweep.trial", "-c",
           str(sweep_dir / "config.yaml"), *sets, "--run-id", tid, "-q"]
    if pinned:
        cmd += ["--threads", str(threads)]
    (sweep_dir / "output").mkdir(exist_ok=True)
    output = open(sweep_dir / "output" / f"{tid}.txt", "wb")
    journal.append({"event": "start", "trial": tid, "params": params})
    env = _worker_env(threads, workers, pinned)
    env["ZERONN_SWEEP_PID"] = str(os.getpid())
    process = subprocess.Popen(cmd, stdout=output, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env)
    return _Trial(tid, params, process, output, time.time())


def _finish(sweep_dir, cfg, trial, journal):
    trial.output.close()
    rc = trial.process.returncode
    models_dir, log_dir = _run_dirs(sweep_dir, cfg.name, trial.id)
    if rc in (130, -signal.SIGINT, -signal.SIGTERM, -signal.SIGKILL, 128 + signal.SIGTERM):
        return None  # cut off: no end record, the trial runs again on resume
    if rc == 0:
        result = collect_result(models_dir, cfg)
        status = "done"
    else:
        text = (sweep_dir / "output" / f"{trial.id}.txt").read_text("utf-8", "replace")
        last = [line for line in text.splitlines() if line.strip()]
        result = {"error": last[-1] if last else f"exit status {rc}"}
        status = "failed"
    if log_dir.is_dir():
        final = result.get("final", {})
        write_session(log_dir, trial.id, trial.params, final, status,
                      start_time=trial.started, step=result.get("epochs") or 0)
    record = {"event": "end", "trial": trial.id, "status": status, "exit_status": rc,
              "params": trial.params, "seconds": round(time.time() - trial.started, 3),
              **result}
    journal.append(record)
    return record


def _stop(running):
    for trial in running:
        if trial.process.poll() is None:
            trial.process.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for trial in running:
        try:
            trial.process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            trial.process.kill()
            trial.process.wait()
        trial.output.close()


def _on_sigterm(signum, frame):
    raise SweepInterrupted(f"signal {signum}")


def run_sweep(sweep_dir, *, workers=None, out=None):
    """Run (or resume) the sweep in ``sweep_dir`` until every trial has finished.

    Args:
        sweep_dir: a folder made by :func:`create_sweep`.
        workers: trials at once (default: the sweep's ``workers``).
        out: where progress lines and the table go (default: stdout).

    Returns:
        The end records of every trial, best first.

    Raises:
        SweepInterrupted: Ctrl-C or SIGTERM; running trials are stopped, finished ones
            stay recorded.
        ConfigError: a folder that is not a sweep, or a bad stored config.
    """
    from framework.config import load_yaml, validate_config
    from framework.trainer.builder import log_keys
    out = sys.stdout if out is None else out
    sweep_dir = Path(sweep_dir)
    spec, listed = load_spec(sweep_dir)
    cfg = validate_config(load_yaml(str(sweep_dir / "config.yaml")))
    workers = workers or spec.workers
    threads = _threads(spec, workers)
    journal = Journal(sweep_dir / "journal.jsonl")
    finished = journal.finished()
    for tid in journal.started():
        if tid not in finished:  # cut off by an interruption: it starts afresh
            for leftover in _run_dirs(sweep_dir, cfg.name, tid):
                if leftover.exists():
                    shutil.rmtree(leftover)
    log_root = sweep_dir / "log"
    log_root.mkdir(exist_ok=True)
    if not any(p.name.startswith("events.out.tfevents") for p in log_root.iterdir()):
        write_experiment(log_root, spec.parameters,
                         metric_names(log_keys(cfg), cfg.trainer.monitor_metric))
    if spec.method == "tpe":
        from framework.sweep.tpe import TPEProvider
        provider = TPEProvider(sweep_dir, spec, cfg, finished)
    else:
        provider = _ListProvider(listed, finished)
    if finished:
        print(f"resuming {sweep_dir}: {len(finished)} of {spec.trials} trials finished, "
              f"not run again", file=out)
    how = "pinned" if spec.threads is not None else "at most"
    print(f"sweep {sweep_dir}: {spec.method}, {spec.trials} trials, {workers} worker(s) "
          f"with {how} {threads} BLAS thread(s) each", file=out, flush=True)
    running = []
    # SIGTERM stops the sweep as Ctrl-C does (the command line already turns it into an
    # interrupt; called from Python, the sweep does it itself).
    old_handler = None
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        try:
            old_handler = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread
            old_handler = None
    try:
        while True:
            while len(running) < workers:
                nxt = provider.next()
                if nxt is None:
                    break
                tid, params = nxt
                running.append(_start(sweep_dir, cfg.name, tid, params, threads, journal,
                                      workers, pinned=spec.threads is not None))
            if not running:
                break
            time.sleep(_POLL_SECONDS)
            for trial in [t for t in running if t.process.poll() is not None]:
                running.remove(trial)
                record = _finish(sweep_dir, cfg, trial, journal)
                provider.done(trial.id, record)
                if record is None:
                    raise SweepInterrupted(f"{trial.id} was interrupted")
                finished[trial.id] = record
                print(_progress_line(record, cfg, len(finished), spec.trials), file=out,
                      flush=True)
    except KeyboardInterrupt:
        _stop(running)
        for trial in running:
            provider.done(trial.id, None)
        raise SweepInterrupted(
            f"sweep interrupted: {len(finished)} of {spec.trials} trials finished; resume "
            f"with: zeronn sweep --resume {sweep_dir}") from None
    except BaseException:
        _stop(running)  # whatever went wrong here, no trial runs on without its sweep
        raise
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)
    records = sort_results(list(finished.values()), cfg)
    write_csv(sweep_dir / "results.csv", records, spec, cfg)
    print(table_text(records, spec, cfg), file=out, flush=True)
    return records


def _progress_line(record, cfg, n_done, n_total):
    metric = cfg.trainer.monitor_metric
    params = ", ".join(f"{k}={v}" for k, v in record["params"].items())
    if record["status"] == "done":
        value = record.get(metric)
        what = f"{metric} {value:.6g}" if isinstance(value, (int, float)) else "no value"
    else:
        what = f"failed: {record.get('error')}"
    return f"[{n_done}/{n_total}] {record['trial']} ({params}): {what}"


class _ListProvider:
    """Grid and random sweeps: the stored list, minus the finished trials."""

    def __init__(self, listed, finished):
        self.pending = [(tid, params) for tid, params in listed if tid not in finished]

    def next(self):
        return self.pending.pop(0) if self.pending else None

    def done(self, tid, record):
        pass

