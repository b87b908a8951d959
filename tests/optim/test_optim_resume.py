"""An optimizer (and scheduler) saved mid-run and restored continues bit for bit,
in the same process and in a new one."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Shared by this process and the child process, so both compute the same thing.
COMMON = textwrap.dedent('''
    import json
    import numpy as np
    import framework as fw
    from framework import optim
    from framework.optim import lr_scheduler

    MAKERS = {
        "SGD": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        "Adam": lambda ps: optim.Adam(ps, lr=0.05, weight_decay=1e-3, amsgrad=True),
        "AdamW": lambda ps: optim.AdamW(ps, lr=0.05),
        "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
        "AdaGrad": lambda ps: optim.AdaGrad(ps, lr=0.1, lr_decay=0.01),
        "Adadelta": lambda ps: optim.Adadelta(ps, lr=0.5, weight_decay=1e-3),
        "Adamax": lambda ps: optim.Adamax(ps, lr=0.05),
        "NAdam": lambda ps: optim.NAdam(ps, lr=0.05, weight_decay=1e-3),
        "RAdam": lambda ps: optim.RAdam(ps, lr=0.05, betas=(0.9, 0.9)),
    }

    def make_params():
        rng = np.random.default_rng(0)
        return [fw.Parameter(rng.standard_normal((4, 3)).astype(np.float32)),
                fw.Parameter(rng.standard_normal(3).astype(np.float32))]

    def make(name, params):
        # two groups, so group bookkeeping is exercised as well
        opt = MAKERS[name]([{"params": params[:1]}, {"params": params[1:], "lr": 0.02}])
        return opt, lr_scheduler.CosineAnnealingLR(opt, T_max=3)

    def run(params, opt, sched, start, stop):
        A = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)
        for k in range(start, stop):
            w, b = params
            # gradients of a fixed quadratic; the step index varies them over time
            w.grad = fw.Variable((A * w.data - 0.1 * k).astype(np.float32))
            b.grad = fw.Variable((b.data * np.float32(k % 3) + 0.3).astype(np.float32))
            opt.step()
            sched.step()

    def save(path, opt, sched, params):
        sd = opt.state_dict()
        arrays = {f"state/{i}/{n}": v for i, s in sd["state"].items()
                  for n, v in s.items() if isinstance(v, np.ndarray)}
        scalars = {f"{i}/{n}": v for i, s in sd["state"].items()
                   for n, v in s.items() if not isinstance(v, np.ndarray)}
        meta = {"groups": sd["param_groups"], "scalars": scalars,
                "scheduler": sched.state_dict()}
        arrays.update({f"param/{i}": p.data for i, p in enumerate(params)})
        np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)

    def load(path, name):
        with np.load(path, allow_pickle=False) as f:
            files = {k: f[k] for k in f.files}
        meta = json.loads(files.pop("meta").tobytes().decode())
        params = [fw.Parameter(files[f"param/{i}"].copy()) for i in range(2)]
        opt, sched = make(name, params)
        state = {}
        for key, value in files.items():
            if key.startswith("state/"):
                _, i, n = key.split("/")
                state.setdefault(int(i), {})[n] = value
        for key, value in meta["scalars"].items():
            i, n = key.split("/")
            state.setdefault(int(i), {})[n] = value
        opt.load_state_dict({"state": state, "param_groups": meta["groups"]})
        sched.load_state_dict(meta["scheduler"])
        return params, opt, sched
''')

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "AdaGrad", "Adadelta", "Adamax", "NAdam", "RAdam"]


@pytest.fixture(scope="module")
def common():
    namespace = {}
    exec(compile(COMMON, "resume_common", "exec"), namespace)  # noqa: S102 - our own code
    return namespace


def _straight(common, name):
    params = common["make_params"]()
    opt, sched = common["make"](name, params)
    common["run"](params, opt, sched, 0, 10)
    return params, opt


@pytest.mark.parametrize("name", NAMES)
def test_resume_in_process_is_bit_identical(common, name, tmp_path):
    straight, straight_opt = _straight(common, name)
    params = common["make_params"]()
    opt, sched = common["make"](name, params)
    common["run"](params, opt, sched, 0, 5)
    common["save"](tmp_path / "mid.npz", opt, sched, params)
    del params, opt, sched
    params, opt, sched = common["load"](tmp_path / "mid.npz", name)
    common["run"](params, opt, sched, 5, 10)
    for got, want in zip(params, straight):
        np.testing.assert_array_equal(got.data, want.data)
        assert got.data.dtype == np.float32
    assert opt.param_groups[1]["lr"] == straight_opt.param_groups[1]["lr"]
    for p_new, p_old in zip(params, straight):
        for key, value in straight_opt.state[p_old].items():
            np.testing.assert_array_equal(opt.state[p_new][key], value)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "NAdam"])
def test_resume_in_a_new_process_is_bit_identical(common, name, tmp_path):
    straight, _ = _straight(common, name)
    params = common["make_params"]()
    opt, sched = common["make"](name, params)
    common["run"](params, opt, sched, 0, 5)
    common["save"](tmp_path / "mid.npz", opt, sched, params)
    child = COMMON + textwrap.dedent(f'''
        params, opt, sched = load({str(tmp_path / "mid.npz")!r}, {name!r})
        run(params, opt, sched, 5, 10)
        np.savez({str(tmp_path / "end.npz")!r}, *[p.data for p in params])
        print(json.dumps(sched.get_last_lr()))
    ''')
    result = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={"PYTHONPATH": str(ROOT),
                                                        "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "end.npz") as f:
        for i, want in enumerate(straight):
            np.testing.assert_array_equal(f[f"arr_{i}"], want.data)
    assert json.loads(result.stdout) == [g["lr"] for g in _straight(common, name)[1].param_groups]
