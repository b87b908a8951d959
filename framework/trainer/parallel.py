"""A training run on several processes: what the trainer does differently there.

Started by mpiexec (or ``train.py --nproc N``), every process builds the same
experiment; this module then

- joins the process group (``distributed.backend``: ``mpi``, ``nccl``, or ``auto``:
  ``nccl`` on a GPU, ``mpi`` otherwise) and converts BatchNorm layers to SyncBatchNorm
  when ``distributed.sync_batchnorm`` is set;
- keeps the model replicas equal (:class:`~framework.distributed.DistributedDataParallel`
  broadcasts rank 0's weights and averages the gradients after every backward);
- gives each process its part of every batch (``data_loader.args.batch_size`` is per
  process) and sums the loss and metric totals and counts of all processes at the end of
  an epoch, so logged values are those of the whole data, not an average of averages;
- lets rank 0 alone create the run folder, write checkpoints, TensorBoard and the
  console; the others learn the folder from rank 0;
- reads a checkpoint to resume from on rank 0 and sends its bytes to the others
  (machines need not share a disk).

A group of one process (no launcher) leaves everything as it is.
"""
import atexit
import os
import sys
import tempfile
import time

import numpy as np

from framework import backend
from framework import distributed as dist
from framework.distributed import faults
from framework.distributed import launch as dist_launch
from framework.errors import ConfigError
from framework.trainer.callbacks import Callback, CallbackList

__all__ = ["ParallelRun", "join", "start", "report", "finish", "launch"]


class ParallelRun:
    """This process's place in a run (a group of one when not launched by MPI)."""

    def __init__(self, comm, sync_batchnorm=False):
        self.comm = comm
        self.sync_batchnorm = bool(sync_batchnorm)
        self.ddp = None

    @property
    def rank(self):
        return self.comm.rank

    @property
    def world_size(self):
        return self.comm.size

    @property
    def is_main(self):
        return self.comm.rank == 0

    @property
    def active(self):
        return self.comm.size > 1

    # ------------------------------------------------------------------ the experiment
    def prepare(self, exp):
        """Convert BatchNorm (if asked), wrap the model, shard the loaders; in place."""
        if not self.active:
            return exp
        if self.sync_batchnorm:
            # the converted layers hold the same Parameter objects: the optimizer still fits
            dist.convert_sync_batchnorm(exp.model)
        # Hooks on the model itself: the trainer calls the model as usual.
        self.ddp = dist.DistributedDataParallel(exp.model)
        for name in ("train_loader", "valid_loader"):
            loader = getattr(exp, name, None)
            if loader is None:
                continue
            shard = getattr(loader, "shard", None)
            if shard is None:
                raise ConfigError(
                    f"data_loader: {type(loader).__name__} cannot give each of the "
                    f"{self.world_size} processes its part of a batch (it has no "
                    f"shard(rank, world_size) method); use the built-in DataLoader")
            shard(self.rank, self.world_size)
        return exp

    def attach(self, trainer):
        """Let the trainer's epoch averages cover every process's samples."""
        trainer.is_main_process = self.is_main
        trainer.parallel = self
        if self.active:
            if hasattr(trainer, "tracker"):
                trainer.tracker.comm = self.comm
            weights = _BatchWeights(self.comm)
            weights.name = "data_parallel"
            trainer.callbacks = CallbackList(list(trainer.callbacks) + [weights])
        return trainer

    # ------------------------------------------------------------------ files
    def share_run_dirs(self, make):
        """Rank 0 calls ``make()`` -> ``(models_dir, log_dir)``; all ranks get its answer."""
        if not self.active:
            return make()
        dirs = make() if self.is_main else None
        return tuple(self.comm.broadcast_json(dirs, src=0))

    def share_file(self, path):
        """``path`` as rank 0 reads it: the same path on rank 0, elsewhere a private copy
        of its bytes (removed when the process ends). Returns None on every rank when
        rank 0 cannot read it (rank 0 then reports why)."""
        if not self.active:
            return path
        data = None
        if self.is_main:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                data = None
        size = np.array([-1 if data is None else len(data)], dtype=np.int64)
        self.comm.broadcast(size, src=0)
        if size[0] < 0:
            return path if self.is_main else None
        buf = np.frombuffer(data, dtype=np.uint8).copy() if self.is_main \
            else np.empty(int(size[0]), dtype=np.uint8)
        self.comm.broadcast(buf, src=0)
        if self.is_main:
            return path
        fd, copy = tempfile.mkstemp(prefix=f"zeronn-rank{self.rank}-",
                                    suffix=os.path.splitext(path)[1] or ".npz")
        with os.fdopen(fd, "wb") as f:
            f.write(buf.tobytes())
        atexit.register(_unlink_quietly, copy)
        return copy


class _BatchWeights(Callback):
    """Scale each process's loss by ``world_size * n_local / n_global`` before backward.

    The gradients are then averaged over the processes, so the result is the gradient of
    the mean over every sample of the global batch, also when the processes' parts
    differ in size (the last batch of an epoch): exactly what one process with the
    whole batch computes, SyncBatchNorm's cross-process terms included.
    """

    order = -5  # after grad_accumulation's own scale

    def __init__(self, comm):
        self.comm = comm
        self._counts = np.zeros(1, dtype=np.float64)

    def on_batch_start(self, trainer, batch):
        n = len(batch[1]) if isinstance(batch, (tuple, list)) and len(batch) > 1 else 1
        self._counts[0] = n
        total = float(self.comm.allreduce(self._counts, "sum")[0])
        if total > 0 and n * self.comm.size != total:
            trainer.loss_scale *= n * self.comm.size / total


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _backend_for(cfg_backend, device):
    if cfg_backend in (None, "auto"):
        return "nccl" if backend.parse_device(device)[0] != "cpu" else "mpi"
    return cfg_backend


def join():
    """The group this process was started in: under an MPI launcher, MPI is joined at
    once (before any file is read, so that rank 0 can share the checkpoint); otherwise
    a group of one."""
    if dist.launched_by_mpi():
        return ParallelRun(dist.init_process_group("mpi"))
    return ParallelRun(dist.get_communicator())


def start(cfg, run=None):
    """Settle the group as the config asks (``distributed.backend``,
    ``distributed.sync_batchnorm``).

    Args:
        cfg: the validated experiment config.
        run: what :func:`join` returned (joined now when None).

    Returns:
        A :class:`ParallelRun`; a group of one when the process was not started by an
        MPI launcher, whatever the config says (the same config runs both ways).

    Raises:
        ConfigError: ``distributed.backend: single`` under a launcher of several.
    """
    run = run if run is not None else join()
    section = getattr(cfg, "distributed", None)
    wanted = getattr(section, "backend", None)
    sync_bn = bool(getattr(section, "sync_batchnorm", False))
    if not run.active:
        return ParallelRun(run.comm, sync_bn)
    name = _backend_for(wanted, cfg.device)
    if name == "single":
        raise ConfigError(f"distributed.backend: 'single' cannot run on the "
                          f"{run.world_size} processes mpiexec started; use mpi or nccl")
    if name != run.comm.backend:  # nccl: the same MPI group, GPU arrays through NCCL
        dist.destroy_process_group()
        run = ParallelRun(dist.init_process_group(name))
    if cfg.device in ("gpu", "cuda"):
        # one GPU per process on each machine, unless the config names one
        cfg.device = f"gpu:{run.comm.local_rank}"
    return ParallelRun(run.comm, sync_bn)


def report(line):
    """Print an error line. In a group, rank 0 prints it as it is; another rank waits a
    moment first (a failure every rank meets is then said once, by rank 0, before the
    job ends) and names itself."""
    comm = dist.get_communicator()
    if comm.size > 1 and comm.rank != 0:
        time.sleep(1.0)
        line = faults.failure_line(comm.rank, line)
    print(line, file=sys.stderr, flush=True)


def finish(status):
    """End a run with ``status``: in a group, a failure on any rank ends every rank
    (MPI_Abort) instead of leaving the others waiting in a collective."""
    comm = dist.get_communicator()
    if comm.size > 1 and status:
        comm.abort(status)  # flushes this rank's output first
    return status


def launch(args, argv):
    """``train.py --nproc N ...``: the same command on N processes through mpiexec.

    Raises:
        UserError: no mpiexec, or a bad ``--nproc``.
    """
    if dist.launched_by_mpi():
        raise ConfigError("--nproc: this process was itself started by mpiexec; run "
                          "either mpiexec or --nproc, not both")
    rest = _without(argv, ("--nproc", "--hostfile"))
    code = "import sys; from framework.trainer.cli import train_main; sys.exit(train_main())"
    root = os.path.dirname(os.path.dirname(os.path.abspath(dist.__file__)))
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    status = dist_launch.run_with_mpiexec(args.nproc, ["-c", code] + rest,
                                          hostfile=args.hostfile, env=env)
    if status:
        raise SystemExit(status)


def _without(argv, options):
    """``argv`` less the given options and their values (``--opt V`` or ``--opt=V``)."""
    out, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        if item in options:
            skip = True
            continue
        if any(item.startswith(o + "=") for o in options):
            continue
        out.append(item)
    return out
