"""torchvision's data sets and transforms for numpy images (``torchvision`` ->
``framework.vision``)::

    from framework.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST("data", train=True, transform=tf)

``utils.make_grid`` / ``utils.save_image`` (PNG without an image library) and
``models.resnet18`` ... ``resnet152`` (torchvision's names, so its weight files load).
"""
from framework.vision import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
