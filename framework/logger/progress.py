"""Per-epoch progress bars: tqdm on a terminal, a silent stand-in anywhere else.

:func:`progress` returns an object with tqdm's everyday methods (iteration,
``set_postfix``, ``set_description``, ``update``, ``close``, context manager).  Off a TTY
(CI logs, pipes, ``--quiet``) the stand-in keeps the latest postfix and costs almost
nothing per batch, so the trainer calls the same methods either way.
"""
import os
import sys

__all__ = ["progress", "QuietProgress"]


class QuietProgress:
    """The no-bar stand-in for tqdm: iterates, counts, remembers the postfix.

    Attributes:
        n: items consumed so far.
        total: the expected count, or None.
        desc: the description.
        postfix: the latest ``set_postfix`` values.
    """

    def __init__(self, iterable=None, total=None, desc=None):
        self.iterable = iterable
        self.total = total
        self.desc = desc
        self.n = 0
        self.postfix = {}

    def __iter__(self):
        for item in self.iterable:
            self.n += 1
            yield item

    def __len__(self):
        if self.total is not None:
            return int(self.total)
        return len(self.iterable)

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        """Remember the values a bar would show (e.g. ``loss=0.42``)."""
        self.postfix = {**(ordered_dict or {}), **kwargs}

    def set_description(self, desc=None, refresh=True):
        """Change the description."""
        self.desc = desc

    def update(self, n=1):
        """Advance the count by ``n`` (for manual use without iteration)."""
        self.n += n

    def refresh(self):
        """Nothing to redraw."""

    def close(self):
        """Nothing to close."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def _is_tty(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def progress(iterable=None, total=None, desc=None, enabled=True, stream=None):
    """Wrap an iterable in a progress bar when it can be seen.

    Args:
        iterable: what to iterate (a data loader); None for manual ``update`` use.
        total: the number of items (default: ``len(iterable)`` where it has one).
        desc: text before the bar, e.g. ``"epoch 3/20"``.
        enabled: False (``--quiet``) never draws a bar.
        stream: where the bar goes; default ``sys.stderr``.

    Returns:
        A ``tqdm`` bar (leaves no line behind when done) when enabled and ``stream`` is
        a terminal, else a :class:`QuietProgress`.
    """
    stream = sys.stderr if stream is None else stream
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if not enabled or not _is_tty(stream):
        return QuietProgress(iterable, total=total, desc=desc)
    from tqdm import tqdm  # imported here: runs without a terminal never pay for it
    return tqdm(iterable, total=total, desc=desc, file=stream, leave=False,
                ncols=_bar_width(stream))


def _bar_width(stream):
    """The terminal's width less a margin, or None (tqdm decides).

    A bar as wide as the terminal leaves no room for the ``^C`` the terminal echoes
    on Ctrl-C: the echo wraps, and the bar's last frame stays behind on its own line.
    """
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return None
    return max(columns - 4, 20)
