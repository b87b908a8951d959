"""``method: tpe``: Optuna's TPE sampler proposes each trial (the ``tune`` extra).

The study lives in ``optuna.jsonl`` in the sweep folder (Optuna's journal-file storage),
so a resumed sweep's sampler knows every finished trial.  Trials an interruption cut
off are told as failed and replaced by new ones (numbered on).
"""
from __future__ import annotations

from framework.errors import ConfigError
from framework.sweep.space import Range

__all__ = ["TPEProvider"]


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError("sweep.method tpe needs optuna: pip install -e '.[tune]' (or use "
                          "method: random)") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _primitive(value):
    return value is None or isinstance(value, (bool, int, float, str))


class TPEProvider:
    """Proposes trials with ``study.ask`` and reports them with ``study.tell``.

    Args:
        sweep_dir: the sweep folder (holds ``optuna.jsonl``).
        spec: the :class:`~framework.sweep.space.SweepSpec`.
        cfg: the base experiment config (its ``trainer.monitor`` is the objective).
        finished: ``{trial id: end record}`` of the finished trials (shared, kept up to
            date by the runner).
    """

    def __init__(self, sweep_dir, spec, cfg, finished):
        optuna = _optuna()
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend
        from optuna.trial import TrialState
        self._state = TrialState
        storage = JournalStorage(JournalFileBackend(str(sweep_dir / "optuna.jsonl")))
        direction = "minimize" if cfg.trainer.monitor_mode == "min" else "maximize"
        sampler = optuna.samplers.TPESampler(seed=spec.seed,
                                             n_startup_trials=max(2, min(10, spec.trials // 3)))
        self.study = optuna.create_study(study_name="sweep", storage=storage, sampler=sampler,
                                         direction=direction, load_if_exists=True)
        for trial in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            self.study.tell(trial.number, state=TrialState.FAIL)  # cut off earlier
        self.spec, self.finished, self.running = spec, finished, {}
        self.metric = cfg.trainer.monitor_metric
        self.choices, self.distributions = {}, {}
        for key, value in spec.parameters.items():
            if isinstance(value, Range):
                if value.integer:
                    dist = optuna.distributions.IntDistribution(int(value.low), int(value.high),
                                                                log=value.log)
                else:
                    dist = optuna.distributions.FloatDistribution(value.low, value.high,
                                                                  log=value.log)
            else:
                # Lists and mappings are not Optuna choices: they are chosen by index.
                self.choices[key] = None if all(_primitive(v) for v in value) else value
                dist = optuna.distributions.CategoricalDistribution(
                    value if self.choices[key] is None else list(range(len(value))))
            self.distributions[key] = dist

    def next(self):
        """``(trial id, params)`` of a new trial, or None when enough have run."""
        from framework.sweep.runner import trial_id
        if len(self.finished) + len(self.running) >= self.spec.trials:
            return None
        trial = self.study.ask(self.distributions)
        params = {}
        for key in self.spec.parameters:
            value = trial.params[key]
            params[key] = value if self.choices.get(key) is None else self.choices[key][value]
        tid = trial_id(trial.number)
        self.running[tid] = trial
        return tid, params

    def done(self, tid, record):
        """Tell the study how trial ``tid`` ended (None: cut off)."""
        trial = self.running.pop(tid, None)
        if trial is None:
            return
        value = None if record is None else record.get(self.metric)
        if record is not None and record.get("status") == "done" and value is not None:
            self.study.tell(trial, float(value))
        else:
            self.study.tell(trial, state=self._state.FAIL)
