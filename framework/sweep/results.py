"""A sweep's results: each trial's best epoch, ranked by the monitored metric."""
from __future__ import annotations

import csv
import math
import os
import re

__all__ = ["collect_result", "sort_results", "table_text", "write_csv", "result_columns"]

_CHECKPOINT = re.compile(r"checkpoint-epoch(\d+)\.npz$")
_NOT_METRICS = ("epoch", "seconds", "lr")


def collect_result(models_dir, cfg):
    """The values of a finished trial's best epoch, read from its last checkpoint.

    The trainer always saves its last epoch, and every checkpoint holds the history of
    epoch logs, so the last one has them all.

    Returns:
        ``{metric: value at the best epoch, "best_epoch": n, "epochs": n, "final":
        {metric: value at the last epoch, "best_<monitored>": value}}``; with
        monitoring off, the last epoch's values.
    """
    from framework.trainer.checkpoint import load_checkpoint
    found = [(int(m.group(1)), name) for name in os.listdir(models_dir)
             if (m := _CHECKPOINT.match(name))]
    if not found:
        return {"error": f"no checkpoint in {models_dir}"}
    meta = load_checkpoint(os.path.join(models_dir, max(found)[1])).metadata
    history = meta.get("history") or []
    best = meta.get("best_epoch")
    row = next((h for h in history if h.get("epoch") == best), history[-1] if history else {})
    out = {k: float(v) for k, v in row.items() if k not in _NOT_METRICS}
    out["best_epoch"] = row.get("epoch")
    out["epochs"] = len(history)
    # What the `hparams` callback reports for a single run: the last epoch's values and
    # the best monitored one.
    last = history[-1] if history else {}
    final = {k: float(v) for k, v in last.items() if k not in _NOT_METRICS}
    metric = cfg.trainer.monitor_metric
    if metric and meta.get("monitor_best") is not None:
        final[f"best_{metric}"] = float(meta["monitor_best"])
    out["final"] = final
    return out


def _key(cfg):
    mode, metric = cfg.trainer.monitor_mode, cfg.trainer.monitor_metric
    sign = 1.0 if mode == "min" else -1.0

    def key(record):
        value = record.get(metric)
        ok = record.get("status") == "done" and isinstance(value, (int, float)) \
            and math.isfinite(value)
        return (0, sign * value, record["trial"]) if ok else (1, 0.0, record["trial"])
    return key


def sort_results(records, cfg):
    """Finished trials best first by ``trainer.monitor``; failed ones last."""
    return sorted(records, key=_key(cfg))


def result_columns(records, spec, cfg):
    """Column names: rank, trial, status, the parameters, the monitored metric first,
    the other metrics, best epoch, seconds."""
    metric = cfg.trainer.monitor_metric
    metrics = []
    for r in records:
        for k, v in r.items():
            if isinstance(v, float) and k not in metrics and k not in ("seconds", "time") \
                    and k != metric:
                metrics.append(k)
    return (["rank", "trial", "status", *spec.parameters, metric, *metrics,
             "best_epoch", "seconds"])


def _rows(records, spec, cfg):
    columns = result_columns(records, spec, cfg)
    rows = []
    for rank, r in enumerate(records, 1):
        row = {"rank": rank, "trial": r["trial"], "status": r["status"],
               "best_epoch": r.get("best_epoch"), "seconds": r.get("seconds")}
        row.update({k: r.get("params", {}).get(k) for k in spec.parameters})
        row.update({k: r.get(k) for k in columns if k not in row})
        rows.append(row)
    return columns, rows


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table_text(records, spec, cfg):
    """The console table (a header line, a rule, one line per trial)."""
    columns, rows = _rows(records, spec, cfg)
    cells = [[_fmt(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = [f"results, best {cfg.trainer.monitor_metric} first "
             f"({cfg.trainer.monitor_mode}):",
             "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines)


def write_csv(path, records, spec, cfg):
    """``results.csv``: the same table, full precision, written atomically."""
    columns, rows = _rows(records, spec, cfg)
    tmp = f"{path}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    os.replace(tmp, path)
