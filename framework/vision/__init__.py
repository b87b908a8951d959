"""torchvision's data sets and transforms for numpy images (``torchvision`` ->
``framework.vision``)::

    from framework.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST("data", train=True, transform=tf)
"""
from framework.vision import datasets, transforms

__all__ = ["datasets", "transforms"]
