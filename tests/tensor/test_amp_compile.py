"""torch.autocast, torch.amp.GradScaler and torch.compile as scripts use them."""
import math

import numpy as np
import pytest

import framework as torch
from framework import nn


def _setup():
    np.random.seed(0)
    model = nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    return model, x, y


def test_a_scaled_step_equals_a_plain_step():
    model, x, y = _setup()
    twin = nn.Linear(3, 1)
    twin.load_state_dict(model.state_dict())
    opt, opt2 = torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.SGD(
        twin.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        loss = ((model(x) - y) ** 2).mean()
    assert loss.dtype == np.float32  # computed in full precision
    scaler.scale(loss).backward()
    assert abs(float(model.weight.grad.data[0, 0])) > 1.0  # scaled by 1024
    scaler.step(opt)
    scaler.update()
    ((twin(x) - y) ** 2).mean().backward()
    opt2.step()
    np.testing.assert_allclose(model.weight.data, twin.weight.data, rtol=1e-5)
    assert scaler.get_scale() == 1024.0


def test_inf_gradients_skip_the_step_and_back_off():
    model, x, y = _setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.data.copy()
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    scaler.scale(((model(x) - y) ** 2).mean()).backward()
    model.weight.grad.data[0, 0] = np.inf
    assert scaler.step(opt) is None
    scaler.update()
    np.testing.assert_array_equal(model.weight.data, before)
    assert scaler.get_scale() == 4.0
    for _ in range(2):  # two good steps in a row: the scale grows
        opt.zero_grad()
        scaler.scale(((model(x) - y) ** 2).mean()).backward()
        scaler.unscale_(opt)  # e.g. before clip_grad_norm_
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 8.0 and not np.array_equal(model.weight.data, before)
    state = scaler.state_dict()
    fresh = torch.amp.GradScaler("cpu")
    fresh.load_state_dict(state)
    assert fresh.get_scale() == 8.0 and fresh.state_dict() == state


def test_a_cuda_scaler_without_a_gpu_is_disabled_with_a_warning():
    if torch.cuda.is_available():
        pytest.skip("a GPU answers here: the scaler stays enabled")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = torch.cuda.amp.GradScaler()
    model, x, y = _setup()
    loss = ((model(x) - y) ** 2).mean()
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0
    with torch.cuda.amp.autocast():
        pass


def test_compile_returns_the_model_and_autocast_decorates():
    model, x, _ = _setup()
    assert torch.compile(model) is model
    assert torch.compile(mode="max-autotune")(math.sqrt) is math.sqrt
    torch.set_float32_matmul_precision("high")
    assert torch.get_float32_matmul_precision() == "high"
    with pytest.raises(ValueError, match="expected 'highest', 'high' or 'medium'"):
        torch.set_float32_matmul_precision("low")
    torch.set_float32_matmul_precision("highest")

    @torch.autocast(device_type="cpu")
    def forward(inp):
        return model(inp)

    np.testing.assert_array_equal(forward(x).data, model(x).data)
