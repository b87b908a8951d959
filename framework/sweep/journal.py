"""The sweep's journal: one JSON line per event, appended, so a sweep resumes.

``{"event": "start", "trial": "trial_003", "params": {...}}`` when a trial starts and
``{"event": "end", "trial": ..., "status": "done" | "failed", ...}`` when its process has
ended and its results are read.  A trial with an ``end`` record is finished and is never
run again; one that only started was cut off and runs again from scratch.  A line cut
off by a crash mid-write is ignored.
"""
from __future__ import annotations

import json
import os
import time

__all__ = ["Journal"]


class Journal:
    """Append-only JSON-lines file of a sweep's trial events.

    Args:
        path: the ``journal.jsonl`` file (created on the first append).
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def append(self, record):
        """Add one record (with the time) and push it to disk before returning."""
        record = {"time": round(time.time(), 3), **record}
        line = json.dumps(record, sort_keys=False, default=float) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))  # one write: whole lines only
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self):
        """Every complete record, in order ([] when there is no journal yet)."""
        if not os.path.exists(self.path):
            return []
        out = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # a line cut off by a crash
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out

    def finished(self):
        """``{trial: end record}`` of every trial that ran to its end."""
        return {r["trial"]: r for r in self.records() if r.get("event") == "end"}

    def started(self):
        """``{trial: number of start records}``."""
        counts = {}
        for r in self.records():
            if r.get("event") == "start":
                counts[r["trial"]] = counts.get(r["trial"], 0) + 1
        return counts
