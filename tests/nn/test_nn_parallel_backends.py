"""torch.nn.parallel and torch.backends as scripts use them on one device."""
import numpy as np
import pytest

import framework as torch
import framework.backends.cudnn as cudnn
import framework.nn as nn
import framework.nn.parallel


def test_data_parallel_wraps_the_module_on_one_device():
    np.random.seed(0)
    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner)
    x = torch.randn(4, 3)
    np.testing.assert_array_equal(model(x).data, inner(x).data)
    assert model.module is inner
    assert sorted(model.state_dict()) == ["module.bias", "module.weight"]
    assert [p is q for p, q in zip(model.parameters(), inner.parameters())] == [True, True]
    np.testing.assert_array_equal(nn.parallel.data_parallel(inner, x, [0]).data,
                                  inner(x).data)


def test_several_devices_are_refused_naming_what_to_use():
    with pytest.raises(ValueError, match=r"device_ids=\[0, 1\]: one process drives one "
                                         r"device here; .*DistributedDataParallel"):
        nn.DataParallel(nn.Linear(2, 2), device_ids=[0, 1])
    from framework.distributed import DistributedDataParallel
    assert nn.parallel.DistributedDataParallel is DistributedDataParallel


def test_backends_flags_can_be_set_and_say_what_is_there():
    cudnn.benchmark = True
    assert torch.backends.cudnn.benchmark is True
    cudnn.benchmark = False
    assert torch.backends.cudnn.is_available() is False
    assert torch.backends.mps.is_available() is False
    # the PyTorch quickstart's device pick
    device = ("cuda" if torch.cuda.is_available()
              else "mps" if torch.backends.mps.is_available() else "cpu")
    assert device == ("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
