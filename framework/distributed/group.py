"""The process group: which communicator this process uses, and the functions on it.

``init_process_group`` chooses a backend once per process; every other function asks
the current communicator, and without one behaves as a group of one process (so code
written for several processes runs unchanged in one).
"""
from framework.distributed.comm import (MPICommunicator, NCCLCommunicator,
                                        SingleCommunicator, launched_by_mpi)
from framework.distributed import faults, launch

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "get_backend",
           "get_communicator", "get_rank", "get_world_size", "get_local_rank",
           "get_local_world_size", "is_main_process", "barrier", "all_reduce", "broadcast",
           "all_gather", "broadcast_object"]

BACKENDS = {"single": SingleCommunicator, "mpi": MPICommunicator, "nccl": NCCLCommunicator}

_current = None
_one_process = SingleCommunicator()


def init_process_group(backend=None):
    """Join the group of processes this one was started with.

    Args:
        backend: ``"mpi"`` (mpi4py), ``"nccl"`` (GPU arrays through cupy's NCCL,
            bootstrapped over MPI), ``"single"`` (one process, no communication), or
            None: ``"mpi"`` when started by mpiexec, else ``"single"``.

    Returns:
        The communicator. Calling it again with the same backend returns the same one.

    Raises:
        ValueError: an unknown backend name.
        UserError: the backend's library (mpi4py, cupy) or a GPU is missing.
    """
    global _current
    if backend is None:
        backend = "mpi" if launched_by_mpi() else "single"
    if backend not in BACKENDS:
        raise ValueError(f"init_process_group: backend must be one of "
                         f"{', '.join(sorted(BACKENDS))}, got {backend!r}")
    if _current is not None:
        if _current.backend != backend:
            raise RuntimeError(f"init_process_group: already initialised with backend "
                               f"{_current.backend!r}; call destroy_process_group() first")
        return _current
    _current = BACKENDS[backend]()
    if _current.size > 1:
        launch.record_rank(_current.rank)
        faults.install(_current)
    return _current


def destroy_process_group():
    """Leave the group: faults are no longer turned into a job abort."""
    global _current
    if _current is not None:
        faults.uninstall()
    _current = None


def is_initialized():
    return _current is not None


def get_communicator():
    """The current communicator, or a one-process one when none was initialised."""
    return _current if _current is not None else _one_process


def get_backend():
    return get_communicator().backend


def get_rank():
    """This process's rank, 0 ... world_size - 1 (0 without a group)."""
    return get_communicator().rank


def get_world_size():
    """The number of processes in the group (1 without a group)."""
    return get_communicator().size


def get_local_rank():
    """This process's rank among the processes on its machine."""
    return get_communicator().local_rank


def get_local_world_size():
    """The number of the group's processes on this machine."""
    return get_communicator().local_size


def is_main_process():
    """True on rank 0: the process that writes run folders, logs and checkpoints."""
    return get_communicator().rank == 0


def barrier():
    """Wait until every process reaches this call."""
    get_communicator().barrier()


def _data(x):
    return getattr(x, "data", x) if hasattr(x, "creator") else x


def all_reduce(array, op="sum"):
    """Reduce ``array`` elementwise over all processes and return the result.

    Args:
        array: a numpy/cupy array or a Variable (its data is used).
        op: ``"sum"``, ``"mean"``, ``"max"`` or ``"min"``.

    Returns:
        A new array of the same shape and dtype.
    """
    return get_communicator().allreduce(_data(array), op)


def broadcast(array, src=0):
    """Overwrite ``array`` (in place) with rank ``src``'s values and return it."""
    return get_communicator().broadcast(_data(array), src)


def all_gather(array):
    """Every process's ``array``, stacked on a new first axis in rank order."""
    return get_communicator().allgather(_data(array))


def broadcast_object(obj, src=0):
    """A JSON-able object (run id, metadata) as rank ``src`` holds it."""
    return get_communicator().broadcast_json(obj, src)

