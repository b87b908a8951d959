"""LBFGS: PyTorch's L-BFGS, iteration for iteration.

The reference trajectories were computed with torch.optim.LBFGS (PyTorch 2.13, float64)
on the small tanh network below: the loss each ``step`` returns, the closure evaluations
and iterations counted so far, and the parameters after the step.
"""
from pathlib import Path

import numpy as np
import pytest

import framework as fw
from framework import optim
from framework.config import load_config
from framework.errors import CheckpointError, ConfigError
from framework.plugin import load_plugins
from framework.trainer.builder import check_experiment
from framework.trainer.checkpoint import load_checkpoint, save_checkpoint

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, -0.3], [2.0, 1.0], [-1.2, -0.6]]
Y = [[0.3], [1.1], [-0.4], [0.05], [0.9], [-1.0]]
INITIAL = ([[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]], [0.05, -0.1, 0.2], [[0.6], [-0.3], [0.8]],
           [0.1])

# (line_search_fn, lr) -> per step: (returned loss, func_evals, n_iter, parameters
# flattened in order W1, b1, W2, b2); max_iter=4 (max_eval 5), history_size=3.
# lr 0.05 extrapolates in the bracketing phase, lr 5 zooms.
REFERENCE = {
    (None, 0.5): [
        (0.24948813048147309, 4, 4,
         [0.3532444907633236, -0.49602156770680267, 0.33457412750092536, 0.7306327454502755,
          0.273710778731861, -0.438523720154739, -0.01739324679471192, -0.038233760391495626,
          0.05792828766153202, 0.7330611941516694, -0.40879627972837496, 0.8323324995539226,
          -0.07376934616962941]),
        (0.015482067741832072, 8, 8,
         [0.4879520425015598, -0.530973106479603, 0.3153545707046666, 0.7962058864154591,
          0.2710244298473884, -0.4897507629830343, 0.1528633630241148, -0.02649018159652447,
          -0.05963467904499267, 0.7876695852511626, -0.4323674531802193, 0.863888223005877,
          -0.10841111539755975]),
        (0.005973526650474706, 12, 12,
         [0.5730361001406065, -0.5406045993781587, 0.264297502224002, 0.8820220551625141,
          0.2580525839152445, -0.5289555639939527, 0.29861029117778837,
          -0.026184039395753464, -0.13400973956591405, 0.8611467554322348,
          -0.4153200493546088, 0.8613822669869213, -0.0897833061888669]),
    ],
    ("strong_wolfe", 1): [
        (0.24948813048147309, 5, 4,
         [0.3853586032020413, -0.5018774386916949, 0.35542960174461286, 0.7365989978080394,
          0.27940366091679286, -0.4522671608835537, -0.0010923648029289405,
          -0.03910548471669336, 0.047619164927508006, 0.7185418754493145,
          -0.40725385137050896, 0.7903054891275586, -0.09473415635541324]),
        (0.01388157075605817, 11, 8,
         [0.6136993891880536, -0.551755092104772, 0.3204918139415755, 0.8839113138616591,
          0.2798491730154864, -0.555877679828035, 0.36779300164245904, -0.029086992794622152,
          -0.15471359820911068, 0.8261691901288972, -0.4209858867657158, 0.7646892187438153,
          -0.12431907025938736]),
        (0.0019919287297919283, 16, 11,
         [0.5829234170377083, -0.5406622481549439, 0.314200285731332, 0.8801490310185809,
          0.2780696341058638, -0.5491567927846047, 0.31998238577052446, -0.02972669064780354,
          -0.1312696328872681, 0.8207349398904413, -0.41134812375052426, 0.763186446991489,
          -0.11018150960798594]),
    ],
    ("strong_wolfe", 0.05): [
        (0.24948813048147309, 5, 2,
         [0.31171670415653796, -0.4725021441427427, 0.29407501000603103, 0.7251994451140732,
          0.27770355386917256, -0.44324412098773813, -0.014361751645111094,
          -0.05561744116601544, 0.10386178999258523, 0.7029073181481011, -0.378868844100564,
          0.8037990264932388, -0.03097821278706317]),
        (0.03292483328062111, 10, 4,
         [0.3532444907633236, -0.49602156770680267, 0.33457412750092536, 0.7306327454502755,
          0.273710778731861, -0.438523720154739, -0.01739324679471192, -0.038233760391495626,
          0.05792828766153202, 0.7330611941516694, -0.40879627972837496, 0.8323324995539226,
          -0.07376934616962941]),
        (0.015482067741832072, 15, 6,
         [0.38653418633646536, -0.5069915595212642, 0.33839574673708717, 0.7428625094297282,
          0.27322527183971573, -0.44816858730495956, 0.014002331971190435,
          -0.03249429485218537, 0.02686565515658316, 0.746266837286588, -0.41934573258962776,
          0.8439890956827503, -0.08936806698618222]),
    ],
    ("strong_wolfe", 5): [
        (0.24948813048147309, 5, 2,
         [0.3679702801035919, -0.5023027256144588, 0.3874741173213825, 0.7399392055576591,
          0.2722694426167736, -0.4260719879337763, -0.02853254017443901, -0.04670255638567807,
          0.07864570601646825, 0.726307483157068, -0.4009333154600276, 0.7570324681296284,
          -0.07665319202930651]),
        (0.01724252628214443, 10, 5,
         [0.5280869387704429, -0.5325273363994107, 0.33751220522927555, 0.8158660239865159,
          0.27776896127263356, -0.5045507128323489, 0.22001695529226328, -0.03702849988814506,
          -0.06138883620258573, 0.748261222535962, -0.40452315512223247, 0.76458859737002,
          -0.11349535854781696]),
        (0.003608700009675963, 15, 7,
         [0.5981524298161384, -0.5482645522616657, 0.3230061009840235, 0.8671755418166519,
          0.2717332767413574, -0.5293293063459897, 0.3267714866812089, -0.031700348988229717,
          -0.12469550553773992, 0.7887163071021199, -0.40419718491480183, 0.7617466607558735,
          -0.12296050085894082]),
    ],
}


def _net(xp=np, initial=INITIAL):
    """The tanh network's parameters and a closure factory over the fixed data."""
    params = [fw.nn.Parameter(xp.asarray(np.array(v, dtype=np.float64))) for v in initial]
    x, y = fw.tensor(xp.asarray(np.array(X))), fw.tensor(xp.asarray(np.array(Y)))

    def make_closure(optimizer):
        def closure():
            optimizer.zero_grad()
            h = fw.tanh(x @ params[0] + params[1])
            loss = ((h @ params[2] + params[3] - y) ** 2).mean()
            loss.backward()
            return loss
        return closure
    return params, make_closure


def _flat(params):
    return np.concatenate([fw.backend.as_numpy(p.data).ravel() for p in params])


@pytest.mark.parametrize("line_search_fn, lr", list(REFERENCE))
def test_steps_follow_pytorchs_trajectory(xp, line_search_fn, lr):
    params, make_closure = _net(xp)
    opt = optim.LBFGS(params, lr=lr, max_iter=4, history_size=3, line_search_fn=line_search_fn)
    closure = make_closure(opt)
    for loss_want, evals, iters, params_want in REFERENCE[(line_search_fn, lr)]:
        loss = opt.step(closure)
        assert float(loss) == pytest.approx(loss_want, rel=1e-10)
        state = opt.state[params[0]]
        assert (state["func_evals"], state["n_iter"]) == (evals, iters)
        np.testing.assert_allclose(_flat(params), params_want, rtol=1e-9, atol=1e-12)


def _rosenbrock(line_search_fn):
    p = fw.nn.Parameter(np.array([-1.5, 2.0]))
    opt = optim.LBFGS([p], line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        return loss
    return p, opt, closure


@pytest.mark.parametrize("line_search_fn, steps, counts", [(None, 5, (89, 89)),
                                                           ("strong_wolfe", 3, (53, 41))])
def test_rosenbrock_reaches_its_minimum(line_search_fn, steps, counts):
    p, opt, closure = _rosenbrock(line_search_fn)
    for _ in range(steps):
        opt.step(closure)
    np.testing.assert_allclose(p.data, [1.0, 1.0], atol=1e-4)
    # PyTorch needs as many evaluations and iterations
    assert (opt.state[p]["func_evals"], opt.state[p]["n_iter"]) == counts


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_one_step_solves_a_quadratic(line_search_fn):
    rng = np.random.default_rng(3)
    a, target = rng.standard_normal((8, 3)), rng.standard_normal(8)
    w = fw.nn.Parameter(np.zeros(3))
    b = fw.nn.Parameter(np.zeros(()))
    unused = fw.nn.Parameter(np.full((2, 2), 7.0))  # no gradient: counts as zeros
    opt = optim.LBFGS([w, unused, b], max_iter=100, tolerance_grad=1e-12,
                      tolerance_change=1e-15, line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = ((fw.tensor(a) @ w + b - fw.tensor(target)) ** 2).sum()
        loss.backward()
        return loss
    data_before = w.data
    opt.step(closure)
    solution = np.linalg.lstsq(np.c_[a, np.ones(8)], target, rcond=None)[0]
    np.testing.assert_allclose(np.append(w.data, b.data), solution, atol=1e-9)
    assert w.data is data_before  # updated in place
    np.testing.assert_array_equal(unused.data, 7.0)
    assert unused.grad is None


def test_the_first_loss_is_returned_and_the_closure_runs_with_the_graph_on():
    params, make_closure = _net()
    opt = optim.LBFGS(params, max_iter=3)
    inner = make_closure(opt)
    seen = []

    def closure():
        seen.append(fw.is_grad_enabled())
        return inner()
    first = closure()
    with fw.no_grad():
        loss = opt.step(closure)
        assert not fw.is_grad_enabled()
    assert isinstance(loss, fw.Variable)
    assert float(loss) == float(first)
    assert seen == [True] * 4  # the call above, then one per iteration but the last


def test_step_without_a_closure_names_the_fix():
    params, _ = _net()
    opt = optim.LBFGS(params)
    with pytest.raises(TypeError, match=r"LBFGS needs a closure: call optimizer.step\(closure\)"):
        opt.step()
    with pytest.raises(TypeError, match="LBFGS needs a closure"):
        opt.update()  # DeZero's name
    with pytest.raises(TypeError, match="returned None; it must return the loss"):
        opt.step(lambda: None)


def test_hooks_see_the_gradients_of_every_evaluation():
    params, make_closure = _net()
    opt = optim.LBFGS(params, max_iter=3)
    calls = []

    def zero(with_grad):
        calls.append(len(with_grad))
        for p in with_grad:
            p.grad.data[...] = 0
    opt.add_hook(zero)
    before = _flat(params)
    opt.step(make_closure(opt))
    assert calls == [4]  # zero gradients: optimal at the first evaluation
    np.testing.assert_array_equal(_flat(params), before)


def test_one_parameter_group_only():
    params, _ = _net()
    with pytest.raises(ValueError, match=r"doesn't support per-parameter options"):
        optim.LBFGS([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}])
    opt = optim.LBFGS(params[:2])
    with pytest.raises(ValueError, match=r"doesn't support per-parameter options"):
        opt.add_param_group({"params": params[2:]})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "Invalid learning rate"),
    ({"max_iter": 0}, "Invalid max_iter"),
    ({"history_size": 2.5}, "Invalid history_size"),
    ({"line_search_fn": "backtracking"}, "only None and 'strong_wolfe'"),
])
def test_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optim.LBFGS(_net()[0], **kwargs)


def test_defaults_and_named_parameters():
    model = fw.nn.Linear(2, 1)
    opt = optim.LBFGS(model.named_parameters(), max_iter=8)
    group = opt.param_groups[0]
    assert group["max_eval"] == 10 and group["lr"] == 1 and group["history_size"] == 100
    assert group["param_names"] == ["weight", "bias"]
    assert (group["tolerance_grad"], group["tolerance_change"]) == (1e-7, 1e-9)
    assert group["line_search_fn"] is None


def _two_steps(line_search_fn):
    params, make_closure = _net()
    opt = optim.LBFGS(params, max_iter=3, history_size=4, line_search_fn=line_search_fn)
    closure = make_closure(opt)
    for _ in range(2):
        opt.step(closure)
    return params, opt, closure


def _plain(value):
    if isinstance(value, np.ndarray):
        return type(value) is np.ndarray and value.dtype.kind == "f"
    return value is None or type(value) in (int, float)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_round_trip(tmp_path, line_search_fn, through_file):
    params, opt, closure = _two_steps(line_search_fn)
    saved = opt.state_dict()
    (state,) = saved["state"].values()
    assert sorted(state) == sorted(["func_evals", "n_iter", "d", "t", "old_dirs", "old_stps",
                                    "ro", "H_diag", "prev_flat_grad", "prev_loss", "al"])
    assert all(_plain(v) for v in state.values()), state
    assert state["old_dirs"].shape == state["old_stps"].shape == (len(state["ro"]), 13)
    if through_file:
        save_checkpoint(tmp_path / "c.npz", model_state={}, optimizer_state=saved)
        saved = load_checkpoint(tmp_path / "c.npz").optimizer_state

    copies, make_closure = _net(initial=[np.array(p.data) for p in params])
    fresh = optim.LBFGS(copies, line_search_fn=line_search_fn)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["max_iter"] == 3
    assert len(fresh.state[copies[0]]["al"]) == 4
    fresh_closure = make_closure(fresh)
    for _ in range(2):
        assert float(opt.step(closure)) == float(fresh.step(fresh_closure))
        np.testing.assert_array_equal(_flat(copies), _flat(params))
    assert fresh.state[copies[0]]["n_iter"] == opt.state[params[0]]["n_iter"] > 6


def test_state_dict_before_any_step_and_after_an_optimal_start():
    params, make_closure = _net()
    opt = optim.LBFGS(params)
    assert opt.state_dict()["state"] == {}
    opt.load_state_dict(opt.state_dict())
    opt = optim.LBFGS(params, tolerance_grad=1e9)  # already optimal: no iteration
    opt.step(make_closure(opt))
    assert opt.state_dict()["state"] == {0: {"func_evals": 1, "n_iter": 0}}


def test_load_state_dict_rejects_a_state_that_does_not_fit():
    _, opt, _ = _two_steps(None)
    saved = opt.state_dict()
    params, _ = _net()
    other = optim.LBFGS(params[:2])
    with pytest.raises(CheckpointError, match=r"\(13,\), but the parameters hold 9 values"):
        other.load_state_dict({"state": saved["state"],
                               "param_groups": [dict(saved["param_groups"][0], params=[0, 1])]})
    assert other.state == {}
    fresh = optim.LBFGS(params)
    with pytest.raises(CheckpointError, match="state on parameter 0"):
        fresh.load_state_dict({**saved, "state": {1: saved["state"][0]}})
    with pytest.raises(CheckpointError, match="unknown LBFGS state 'exp_avg'"):
        fresh.load_state_dict({**saved, "state": {0: {"exp_avg": np.zeros(13)}}})
    bad = dict(saved["state"][0], ro=saved["state"][0]["ro"][:1])
    with pytest.raises(CheckpointError, match="different lengths"):
        fresh.load_state_dict({**saved, "state": {0: bad}})
    assert fresh.state == {}


def test_a_config_naming_lbfgs_fails_its_check_before_the_run():
    config = Path(__file__).resolve().parents[2] / "configs" / "iris.yaml"
    cfg = load_config(config, ["optimizer.type=LBFGS"])
    with pytest.raises(ConfigError, match=r"^optimizer: LBFGS re-evaluates the loss several "
                                          r"times per step through optimizer.step\(closure\)"):
        check_experiment(cfg, load_plugins(cfg.plugins).registries)
