"""The Optimizer base: parameter groups, validation, state_dict, hooks, DeZero manners."""
import copy

import numpy as np
import pytest

import framework as fw
from framework import optim
from framework.errors import CheckpointError


def _params(*shapes, value=1.0):
    return [fw.Parameter(np.full(s, value)) for s in shapes]


def _set_grads(params, value=1.0):
    for p in params:
        p.grad = fw.Variable(np.full(p.shape, value))


@pytest.mark.parametrize("make,message", [
    (lambda ps: optim.SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda ps: optim.Adam(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda ps: optim.AdamW(ps, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda ps: optim.RMSprop(ps, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda ps: optim.AdaGrad(ps, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda ps: optim.SGD([{"params": ps, "lr": -2.0}], lr=0.1), "Invalid learning rate: -2.0"),
])
def test_bad_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make(_params(2))


def test_bad_params_argument():
    p = _params(2)[0]
    with pytest.raises(TypeError, match="iterable of Parameters"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match=r"lr=\.\.\. and the model through \.setup"):
        optim.SGD(0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of the group is a ndarray"):
        optim.SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_param_groups_take_defaults_and_own_values():
    a, b, c = _params(2, 3, 4)
    opt = optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 1]
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    _set_grads([a, b, c])
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(c.data, 0.5)
    d = _params(1)[0]
    opt.add_param_group({"params": [d], "lr": 1.0})
    assert opt.param_groups[2]["nesterov"] is False
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad_none_or_zeros():
    ps = _params(2, 3)
    opt = optim.SGD(ps, lr=0.1)
    _set_grads(ps, 3.0)
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_step_with_closure_returns_loss():
    p = _params(1)[0]
    opt = optim.SGD([p], lr=0.5)

    def closure():
        _set_grads([p], 2.0)
        return 7.0

    assert opt.step(closure) == 7.0
    np.testing.assert_allclose(p.data, 0.0)


def test_maximize_ascends():
    p = _params(1)[0]
    _set_grads([p], 1.0)
    optim.SGD([p], lr=0.5, maximize=True).step()
    np.testing.assert_allclose(p.data, 1.5)


class _Tiny:
    """Stands in for a Module: anything with parameters()."""

    def __init__(self):
        self.w = fw.Parameter(np.ones(3))

    def parameters(self):
        yield self.w


def test_dezero_setup_update_and_hooks():
    model = _Tiny()
    opt = optim.SGD(lr=0.1).setup(model)
    seen = []

    def weight_decay(params):  # DeZero's WeightDecay hook: edits the gradient in place
        seen.append(len(params))
        for p in params:
            p.grad.data += 0.5 * p.data

    opt.add_hook(weight_decay)
    _set_grads([model.w], 1.0)
    opt.update()
    assert seen == [1]
    np.testing.assert_allclose(model.w.data, 1 - 0.1 * 1.5)
    with pytest.raises(TypeError, match="callable"):
        opt.add_hook(3)


def test_named_parameters_are_kept_and_checked():
    a, b = _params(2, 3)
    opt = optim.Adam([("fc.weight", a), ("fc.bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["fc.weight", "fc.bias"]
    _set_grads([a, b])
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["param_names"] == ["fc.weight", "fc.bias"]
    other = optim.Adam([("fc.w", fw.Parameter(np.ones(2))), ("fc.bias", fw.Parameter(np.ones(3)))])
    with pytest.raises(CheckpointError, match="'fc.weight'.*'fc.w'"):
        other.load_state_dict(sd)


def test_state_dict_layout_matches_torch():
    a, b, c = _params(2, 3, 4)
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    _set_grads([a, c])
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient, so no state
    assert set(sd["state"][0]) == {"momentum_buffer"}
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["momentum"] == 0.9
    # a snapshot: later steps do not change it
    before = sd["state"][0]["momentum_buffer"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], before)


def test_load_state_dict_copies_and_restores_hyperparameters():
    a = _params(3)[0]
    opt = optim.Adam([a], lr=0.1)
    _set_grads([a])
    opt.step()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.01
    b = fw.Parameter(a.data.copy())
    new = optim.Adam([b], lr=0.5)
    new.load_state_dict(sd)
    assert new.param_groups[0]["lr"] == 0.01
    assert new.param_groups[0]["params"][0] is b
    assert isinstance(new.param_groups[0]["betas"], tuple)
    sd["state"][0]["exp_avg"][...] = 123.0  # the caller's arrays are not aliased
    assert not np.any(new.state[b]["exp_avg"] == 123.0)


def test_load_state_dict_accepts_converted_scalars_and_casts_dtype():
    a = fw.Parameter(np.ones(3, np.float32))
    opt = optim.Adam([a])
    sd = {"state": {"0": {"step": np.array(4.0, np.float32),
                          "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0], betas=[0.9, 0.999])]}
    opt.load_state_dict(sd)
    state = opt.state[a]
    assert state["step"] == 4.0 and isinstance(state["step"], float)
    assert state["exp_avg"].dtype == np.float32
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize("mutate,message", [
    (lambda sd: sd.pop("state"), "needs the keys 'state' and 'param_groups'"),
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])),
     "different number of parameter groups: got 2, expected 1"),
    (lambda sd: sd["param_groups"][0]["params"].pop(), "group 0 holds 1 parameters.*holds 2"),
    (lambda sd: sd["state"][1].__setitem__("exp_avg", np.zeros((5,))),
     r"'exp_avg' of parameter 1 has shape \(5,\), but the parameter has shape \(3,\)"),
    (lambda sd: sd["state"].__setitem__(7, {"step": 1.0}), "parameter 7, which no parameter"),
])
def test_load_state_dict_rejects_mismatches_without_changing_anything(mutate, message):
    ps = _params(2, 3)
    opt = optim.Adam(ps, lr=0.1)
    _set_grads(ps)
    opt.step()
    sd = opt.state_dict()
    mutate(sd)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k in before["state"]:
        for name, value in before["state"][k].items():
            np.testing.assert_array_equal(after["state"][k][name], value)


def test_state_dict_deepcopy_round_trip_and_repr():
    ps = _params(2)
    opt = optim.RMSprop(ps, momentum=0.9, centered=True)
    _set_grads(ps)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    assert set(sd["state"][0]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    text = repr(opt)
    assert text.startswith("RMSprop (") and "Parameter Group 0" in text and "centered: True" in text
