"""Fixtures of the nn tests."""
import numpy as np
import pytest


def _check_parameter_gradients(f, params, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Compare each Parameter's backprop gradient of the scalar ``f()`` with central
    differences, element by element (keep the parameters tiny)."""
    for p in params:
        p.cleargrad()
    f().backward()
    for p in params:
        analytic = p.grad.data.copy()
        numeric = np.zeros_like(p.data)
        flat, nflat = p.data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            up = float(f().data)
            flat[i] = orig - eps
            down = float(f().data)
            flat[i] = orig
            nflat[i] = (up - down) / (2 * eps)
        assert np.allclose(analytic, numeric, rtol=rtol, atol=atol), (
            f"parameter of shape {p.shape}: max |backprop - numerical| = "
            f"{np.abs(analytic - numeric).max():.3g}")


@pytest.fixture
def check_parameter_gradients():
    """``check(f, params)``: backprop gradients of the parameters of a scalar ``f()``
    against central differences (float64 parameters)."""
    return _check_parameter_gradients
