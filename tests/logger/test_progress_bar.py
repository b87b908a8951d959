"""framework.logger.progress: tqdm on a terminal, a cheap stand-in elsewhere."""
import io

import pytest
from tqdm import tqdm

from framework.logger import QuietProgress, progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class ClosedStream(io.StringIO):
    def isatty(self):
        raise ValueError("I/O operation on closed file")


def test_not_a_tty_gives_the_quiet_stand_in():
    stream = io.StringIO()
    bar = progress(range(5), desc="epoch 1", stream=stream)
    assert isinstance(bar, QuietProgress)
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix(loss=0.5 / (i + 1))
    assert seen == [0, 1, 2, 3, 4] and bar.n == 5 and len(bar) == 5
    assert bar.postfix == {"loss": 0.1} and bar.desc == "epoch 1"
    bar.set_description("epoch 2")
    bar.set_postfix({"a": 1}, b=2)
    bar.update(2)
    bar.refresh()
    bar.close()
    assert bar.desc == "epoch 2" and bar.postfix == {"a": 1, "b": 2} and bar.n == 7
    assert stream.getvalue() == ""


def test_terminal_gets_a_tqdm_bar():
    term = FakeTerminal()
    with progress(range(4), desc="epoch 3/10", stream=term) as bar:
        assert isinstance(bar, tqdm)
        for _ in bar:
            bar.set_postfix(loss=0.25)
        assert bar.n == 4
    out = term.getvalue()
    assert "epoch 3/10" in out and "loss=0.25" in out
    assert out.endswith("\r") and out.rstrip("\r").split("\r")[-1].strip() == ""  # no leftover


def test_disabled_on_a_terminal_is_quiet():
    term = FakeTerminal()
    bar = progress(range(3), stream=term, enabled=False)
    assert isinstance(bar, QuietProgress) and list(bar) == [0, 1, 2]
    assert term.getvalue() == ""


def test_closed_or_odd_streams_are_quiet():
    assert isinstance(progress([1], stream=ClosedStream()), QuietProgress)
    assert isinstance(progress([1], stream=object()), QuietProgress)


def test_total_and_generators():
    bar = progress((i for i in range(3)), total=3, stream=io.StringIO())
    assert len(bar) == 3 and list(bar) == [0, 1, 2]
    manual = progress(total=10, stream=io.StringIO())
    manual.update(4)
    assert manual.n == 4 and manual.total == 10
    with pytest.raises(TypeError):
        len(progress((i for i in range(3)), stream=io.StringIO()))


def test_default_stream_under_pytest_is_not_a_tty():
    # pytest captures stderr, so the trainer stays quiet in tests without any flag
    assert isinstance(progress(range(2)), QuietProgress)


class _Unprintable:
    """A postfix value that fails the test if anything formats it."""

    def __format__(self, spec):
        raise AssertionError("the quiet stand-in formatted a postfix value")

    __str__ = __repr__ = lambda self: self.__format__("")


def test_quiet_stand_in_does_no_per_item_work():
    # Its speed belongs to the benchmarks; here: it counts and remembers, but formats
    # and writes nothing (a per-batch set_postfix in a non-terminal run costs nothing).
    stream = io.StringIO()
    bar = progress(range(1000), stream=stream)
    value = _Unprintable()
    seen = [i for i in bar if bar.set_postfix(loss=value) is None]
    assert seen == list(range(1000)) and bar.n == 1000
    assert bar.postfix["loss"] is value and list(bar.postfix) == ["loss"]
    bar.close()
    assert stream.getvalue() == ""
