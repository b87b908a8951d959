"""Run under mpiexec (or alone): trains a small model data-parallel and writes its final
weights, so the test can compare N processes with batch B against one with batch N*B.

Usage: python mpi_equivalence.py OUT.npz BATCH EPOCHS [bn]
"""
import sys

import numpy as np

import framework.distributed as dist
import framework.functions as F
from framework import nn, optim


def make_model(bn):
    rng = np.random.default_rng(0)
    layers = [nn.Linear(8, 16)]
    if bn:
        layers.append(nn.BatchNorm1d(16))
    layers += [nn.Tanh(), nn.Linear(16, 3)]
    model = nn.Sequential(*layers)
    for p in model.parameters():  # the same start on every rank and in the reference
        p.data[...] = rng.normal(0, 0.5, p.shape).astype(p.dtype)
    return model


def main():
    out, batch, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bn = len(sys.argv) > 4 and sys.argv[4] == "bn"
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    data_rng = np.random.default_rng(1)
    x = data_rng.normal(size=(64, 8)).astype(np.float32)
    t = data_rng.integers(0, 3, size=64)
    model = make_model(bn)
    if bn:
        model = dist.convert_sync_batchnorm(model)
    ddp = dist.DistributedDataParallel(model)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    global_batch = batch * world
    for _ in range(epochs):
        for start in range(0, len(x), global_batch):
            # each rank takes its slice of the global batch
            lo = start + rank * batch
            xb, tb = x[lo:lo + batch], t[lo:lo + batch]
            opt.zero_grad()
            loss = F.softmax_cross_entropy(ddp(xb), tb)
            loss.backward()
            opt.step()
    if dist.is_main_process():
        np.savez(out, **{k: v for k, v in model.state_dict().items()})
    dist.barrier()


if __name__ == "__main__":
    main()
