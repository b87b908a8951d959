"""One MNIST epoch of examples/pytorch_mnist/main.py's model, zeronn against PyTorch CPU.

Both train the same network (conv 32, conv 64, max-pool, dropout, fc 128, log_softmax,
nll_loss) with Adadelta(lr=1.0), batch 64, on the same normalized MNIST images; zeronn
loads through ``framework.vision`` and ``framework.utils.data.DataLoader(num_workers)``,
torch through its own DataLoader over the same arrays. The epoch is cut into blocks of
``--block`` steps that alternate between the two frameworks, so that a change of
machine load hits both alike; the ratio is of the summed times, measured in the same
run. Without torch only zeronn's time is printed.

    python benchmarks/bench_mnist_example.py --data ../shared/data            # a full epoch
    python benchmarks/bench_mnist_example.py --data ../shared/data --batches 100
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--threads", type=int, default=2, help="BLAS / torch threads (default 2)")
    p.add_argument("--batches", type=int, default=0, help="steps to time (0: a whole epoch)")
    p.add_argument("--block", type=int, default=25, help="steps per alternating block")
    p.add_argument("--num-workers", type=int, default=2)
    p.add_argument("--no-torch", action="store_true", help="time zeronn only")
    p.add_argument("--evaluate", action="store_true", help="test accuracy of both afterwards")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "examples" / "pytorch_mnist"))
    import framework as fw  # before numpy: it sets OpenBLAS's idle spin (framework.threads)
    import numpy as np

    import framework.nn.functional as F
    from framework.vision import datasets, transforms
    from main import Net  # examples/pytorch_mnist/main.py
    from timing import blas_threads

    try:
        if args.no_torch:
            raise ImportError
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(args.data, train=True, transform=tf)
    test_set = datasets.MNIST(args.data, train=False, transform=tf)
    fw.manual_seed(1)
    model = Net()
    opt = fw.optim.Adadelta(model.parameters(), lr=1.0)
    loader = fw.utils.data.DataLoader(train_set, batch_size=64, shuffle=True, seed=1,
                                      num_workers=args.num_workers)
    ours = iter(loader)
    total = len(loader) if args.batches <= 0 else min(args.batches, len(loader))

    def our_step():
        x, t = next(ours)
        opt.zero_grad()
        loss = F.nll_loss(model(x), t)
        loss.backward()
        opt.step()

    torch_step = None
    if torch is not None:
        images = ((train_set.data.astype(np.float32) / 255 - 0.1307) / 0.3081)[:, None]
        tds = torch.utils.data.TensorDataset(torch.from_numpy(images),
                                             torch.from_numpy(train_set.targets))
        tloader = torch.utils.data.DataLoader(tds, batch_size=64, shuffle=True,
                                              generator=torch.Generator().manual_seed(1))
        torch.manual_seed(1)
        tnet = _torch_net(torch)
        topt = torch.optim.Adadelta(tnet.parameters(), lr=1.0)
        theirs = iter(tloader)

        def torch_step():
            x, t = next(theirs)
            topt.zero_grad()
            loss = torch.nn.functional.nll_loss(tnet(x), t)
            loss.backward()
            topt.step()

    print(f"zeronn {fw.__version__ if hasattr(fw, '__version__') else ''} | numpy "
          f"{np.__version__} ({blas_threads()}) | torch "
          f"{torch.__version__ + f' ({torch.get_num_threads()} threads)' if torch else 'absent'}")
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}; "
          f"{total} steps of batch 64 (an epoch is {len(loader)}), blocks of {args.block}, "
          f"alternating; DataLoader num_workers={args.num_workers}", flush=True)
    spent = {"zeronn": 0.0, "torch": 0.0}
    done = 0
    while done < total:
        n = min(args.block, total - done)
        for name, step in (("zeronn", our_step), ("torch", torch_step)):
            if step is None:
                continue
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            spent[name] += time.perf_counter() - t0
        done += n
        line = f"  {done}/{total} steps: zeronn {spent['zeronn'] / done * 1e3:.0f} ms/step"
        if torch_step is not None:
            line += (f", torch {spent['torch'] / done * 1e3:.0f} ms/step, ratio "
                     f"{spent['zeronn'] / spent['torch']:.2f}x")
        print(line, flush=True)
    per_epoch = len(loader) / total
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(f"zeronn: {spent['zeronn']:.1f} s for {total} steps -> {spent['zeronn'] * per_epoch:.0f} "
          f"s per epoch")
    if torch_step is not None:
        print(f"torch:  {spent['torch']:.1f} s for {total} steps -> {spent['torch'] * per_epoch:.0f} "
              f"s per epoch")
        print(f"zeronn / torch per epoch: {spent['zeronn'] / spent['torch']:.2f}x (target <= 1.5x)")
    if args.evaluate:
        _evaluate(fw, F, model, test_set, torch, tnet if torch_step else None, np)


def _torch_net(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3, 1), nn.Conv2d(32, 64, 3, 1)
            self.dropout1, self.dropout2 = nn.Dropout(0.25), nn.Dropout(0.5)
            self.fc1, self.fc2 = nn.Linear(9216, 128), nn.Linear(128, 10)

        def forward(self, x):
            F = nn.functional
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
            x = torch.flatten(self.dropout1(x), 1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), dim=1)
    return Net()


def _evaluate(fw, F, model, test_set, torch, tnet, np):
    model.eval()
    correct = 0
    with fw.no_grad():
        for x, t in fw.utils.data.DataLoader(test_set, batch_size=1000):
            correct += model(x).argmax(dim=1).eq(t).sum().item()
    print(f"zeronn test accuracy {correct / len(test_set):.4f}")
    if tnet is not None:
        tnet.eval()
        images = ((test_set.data.astype(np.float32) / 255 - 0.1307) / 0.3081)[:, None]
        with torch.no_grad():
            pred = tnet(torch.from_numpy(images)).argmax(dim=1).numpy()
        print(f"torch test accuracy {np.mean(pred == test_set.targets):.4f}")


if __name__ == "__main__":
    main()
