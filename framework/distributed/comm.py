"""Communicators: the few collective operations data-parallel training needs.

Three backends share one small interface (``rank``, ``size``, ``local_rank``,
``local_size``, ``allreduce``, ``broadcast``, ``allgather``, ``broadcast_json``,
``barrier``, ``abort``):

- ``single``: one process; every collective returns its input. Tests and plain runs.
- ``mpi``: mpi4py's ``COMM_WORLD`` (MPICH from the ``mpich`` wheel, or any MPI).
  Arrays travel through their buffers (upper-case mpi4py calls, no pickle); cupy
  arrays are staged through host memory.
- ``nccl``: cupy's NCCL for GPU arrays, bootstrapped over MPI (rank 0 makes the NCCL
  id and broadcasts it); anything that is not a GPU array goes through MPI.
"""
import json
import os
import sys
import time

import numpy as np

from framework import backend
from framework.errors import UserError

__all__ = ["Communicator", "SingleCommunicator", "MPICommunicator", "NCCLCommunicator",
           "REDUCE_OPS", "launched_by_mpi"]

REDUCE_OPS = ("sum", "mean", "max", "min")
# Seconds a failing rank waits between printing its failure and MPI_Abort.
ABORT_GRACE = 0.5

# Variables an MPI launcher sets in every process it starts (MPICH/Hydra, Open MPI,
# Intel MPI, Slurm's PMI): their presence means "started by mpiexec".
_MPI_ENV = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MPI_LOCALRANKID")


def launched_by_mpi():
    """True when this process was started by an MPI launcher (mpiexec, srun)."""
    return any(name in os.environ for name in _MPI_ENV)


def _check_op(op):
    if op not in REDUCE_OPS:
        raise ValueError(f"all_reduce: op must be one of {', '.join(REDUCE_OPS)}, got {op!r}")


class Communicator:
    """The interface every backend implements; also the one-process behaviour."""

    backend = "single"

    def __init__(self):
        self.rank = 0
        self.size = 1
        self.local_rank = 0
        self.local_size = 1

    # Every collective takes and returns arrays of the caller's backend (numpy/cupy).
    def allreduce(self, array, op="sum"):
        """The elementwise reduction of ``array`` over all processes (a new array)."""
        _check_op(op)
        return array.copy()

    def broadcast(self, array, src=0):
        """``array`` as rank ``src`` holds it; written into ``array`` in place."""
        return array

    def allgather(self, array):
        """The arrays of all processes stacked on a new first axis."""
        xp = backend.get_array_module(array)
        return xp.stack([array])

    def broadcast_json(self, obj, src=0):
        """A JSON-able object as rank ``src`` holds it (no pickle between processes)."""
        return json.loads(json.dumps(obj))

    def barrier(self):
        pass

    def abort(self, code=1):
        os._exit(code)

    def __repr__(self):
        return f"<{type(self).__name__} rank {self.rank} of {self.size}>"


class SingleCommunicator(Communicator):
    """One process: collectives are identities."""


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise UserError(
            f"distributed backend 'mpi' needs mpi4py and an MPI library ({exc}); "
            f"install them with: pip install -e '.[mpi]'") from None
    return MPI


class MPICommunicator(Communicator):
    """Collectives over mpi4py's ``COMM_WORLD``."""

    backend = "mpi"

    def __init__(self, comm=None):
        super().__init__()
        self.MPI = MPI = _mpi()
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        # Ranks on the same machine share a node communicator (MPI-3 split by type).
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = node.Get_rank()
        self.local_size = node.Get_size()
        node.Free()
        self._ops = {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}

    def allreduce(self, array, op="sum"):
        _check_op(op)
        host, to_device = _to_host(array)
        out = np.empty_like(host)
        self.comm.Allreduce(host, out, op=self._ops[op])
        if op == "mean":
            out /= self.size
        return to_device(out)

    def allreduce_(self, array, op="sum"):
        """In place on a contiguous numpy array: the hot path of gradient averaging."""
        _check_op(op)
        self.comm.Allreduce(self.MPI.IN_PLACE, array, op=self._ops[op])
        if op == "mean":
            array /= self.size
        return array

    def broadcast(self, array, src=0):
        host, to_device = _to_host(array)
        host = np.ascontiguousarray(host)
        self.comm.Bcast(host, root=src)
        result = to_device(host)
        if result is not array:
            array[...] = result
        return array

    def allgather(self, array):
        host, to_device = _to_host(array)
        host = np.ascontiguousarray(host)
        out = np.empty((self.size,) + host.shape, dtype=host.dtype)
        self.comm.Allgather(host, out)
        return to_device(out)

    def broadcast_json(self, obj, src=0):
        data = json.dumps(obj).encode("utf-8") if self.rank == src else b""
        n = np.array([len(data)], dtype=np.int64)
        self.comm.Bcast(n, root=src)
        buf = np.frombuffer(data, dtype=np.uint8).copy() if self.rank == src \
            else np.empty(int(n[0]), dtype=np.uint8)
        self.comm.Bcast(buf, root=src)
        return json.loads(buf.tobytes().decode("utf-8"))

    def barrier(self):
        self.comm.Barrier()

    def abort(self, code=1):
        # MPI_Abort makes the launcher kill every rank at once; what this rank just
        # printed is still in the pipe to its launcher proxy and can be lost with it
        # (seen under load: the job ended with an empty stderr). Flush, then give the
        # proxy a moment to forward the lines that say what went wrong.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        time.sleep(ABORT_GRACE)
        self.comm.Abort(code)


def _to_host(array):
    """``(numpy array, function back to the caller's device)``."""
    if isinstance(array, np.ndarray):
        return np.ascontiguousarray(array), lambda a: a
    if backend.is_cupy_array(array):
        device_id = array.device.id
        return backend.as_numpy(array), lambda a: backend.as_cupy(a, device_id)
    return np.ascontiguousarray(np.asarray(array)), lambda a: a


class NCCLCommunicator(MPICommunicator):
    """GPU arrays through NCCL (cupy.cuda.nccl); ids and host arrays through MPI.

    Each rank uses the GPU ``local_rank % device_count`` unless one is already chosen.
    """

    backend = "nccl"

    def __init__(self, comm=None):
        super().__init__(comm)
        try:
            cupy, nccl = backend.cupy_module(), backend.nccl_module()
        except ImportError as exc:
            raise UserError(f"distributed backend 'nccl' needs cupy with NCCL ({exc}); "
                            f"install it with: pip install -e '.[gpu]'") from None
        ok, reason = backend.gpu_status()
        if not ok:
            raise UserError(f"distributed backend 'nccl' needs a GPU: {reason}")
        self.cupy, self.nccl = cupy, nccl
        cupy.cuda.Device(self.local_rank % cupy.cuda.runtime.getDeviceCount()).use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self.comm.bcast(uid, root=0)  # a tuple of ints: the NCCL bootstrap id
        self.nccl_comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._nccl_ops = {"sum": nccl.NCCL_SUM, "mean": nccl.NCCL_SUM,
                          "max": nccl.NCCL_MAX, "min": nccl.NCCL_MIN}
        self._dtypes = {
            np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.float32): nccl.NCCL_FLOAT32,
            np.dtype(np.float64): nccl.NCCL_FLOAT64, np.dtype(np.int32): nccl.NCCL_INT32,
            np.dtype(np.int64): nccl.NCCL_INT64, np.dtype(np.uint8): nccl.NCCL_UINT8,
        }

    def _nccl_type(self, array):
        try:
            return self._dtypes[np.dtype(array.dtype)]
        except KeyError:
            raise TypeError(f"nccl backend: dtype {array.dtype} is not supported "
                            f"(use one of {sorted(str(d) for d in self._dtypes)})") from None

    def allreduce(self, array, op="sum"):
        if not backend.is_cupy_array(array):
            return super().allreduce(array, op)
        _check_op(op)
        src = self.cupy.ascontiguousarray(array)
        out = self.cupy.empty_like(src)
        stream = self.cupy.cuda.get_current_stream()
        self.nccl_comm.allReduce(src.data.ptr, out.data.ptr, src.size, self._nccl_type(src),
                                 self._nccl_ops[op], stream.ptr)
        if op == "mean":
            out /= self.size
        return out

    def allreduce_(self, array, op="sum"):
        if not backend.is_cupy_array(array):
            return super().allreduce_(array, op)
        _check_op(op)
        stream = self.cupy.cuda.get_current_stream()
        self.nccl_comm.allReduce(array.data.ptr, array.data.ptr, array.size,
                                 self._nccl_type(array), self._nccl_ops[op], stream.ptr)
        if op == "mean":
            array /= self.size
        return array

    def broadcast(self, array, src=0):
        if not backend.is_cupy_array(array):
            return super().broadcast(array, src)
        stream = self.cupy.cuda.get_current_stream()
        self.nccl_comm.bcast(array.data.ptr, array.size, self._nccl_type(array), src,
                             stream.ptr)
        return array
