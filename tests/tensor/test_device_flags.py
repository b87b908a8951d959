"""PyTorch's device and layout flags on a tensor (DCGAN's ``input.is_cuda or input.is_xpu``)."""
import framework as torch


def test_flags_say_where_a_cpu_tensor_is():
    x = torch.randn(2, 3)
    assert x.is_cpu and not x.is_cuda
    assert not (x.is_xpu or x.is_mps or x.is_meta or x.is_sparse or x.is_quantized
                or x.is_nested)
    assert (x.is_cuda or x.is_xpu) is False
