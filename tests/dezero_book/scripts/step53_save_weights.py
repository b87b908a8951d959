# Step 53 in the book's style: train an MLP on MNIST for one epoch, save, load, compare.
import os
import sys

import numpy as np

import framework as dezero
import framework.functions as F
from framework import optimizers
from framework.dataloaders import DataLoader
from framework.models import MLP

out = sys.argv[1]
np.random.seed(0)
train_set = dezero.datasets.MNIST(train=True)
test_set = dezero.datasets.MNIST(train=False)
train_loader = DataLoader(train_set, 100)
test_loader = DataLoader(test_set, 100, shuffle=False)
model = MLP((1000, 10))
optimizer = optimizers.SGD().setup(model)
path = os.path.join(out, "my_mlp.npz")

for epoch in range(1):
    sum_loss = 0
    for x, t in train_loader:
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        sum_loss += float(loss.data) * len(t)
    print("epoch: {}, loss: {:.4f}".format(epoch + 1, sum_loss / len(train_set)))

model.save_weights(path)
loaded = MLP((1000, 10))
loaded.load_weights(path)
acc_a = acc_b = 0
with dezero.no_grad():
    for x, t in test_loader:
        acc_a += float(F.accuracy(model(x), t).data) * len(t)
        acc_b += float(F.accuracy(loaded(x), t).data) * len(t)
print("test accuracy: {:.4f} loaded: {:.4f}".format(acc_a / len(test_set), acc_b / len(test_set)))
