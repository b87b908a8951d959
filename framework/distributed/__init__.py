"""Data-parallel training on several processes and machines (MPI, NCCL on GPUs).

Start N processes with ``mpiexec -n N python script.py`` (or ``train.py --nproc N``);
in each, ``init_process_group()`` joins the group, ``DistributedDataParallel(model)``
keeps the replicas equal, and ``DistributedSampler`` gives each process its shard of
the data. Without a group every function behaves as a group of one process.
"""
from framework.distributed.comm import launched_by_mpi
from framework.distributed.ddp import DistributedDataParallel
from framework.distributed.group import (all_gather, all_reduce, barrier, broadcast,
                                         broadcast_object, destroy_process_group,
                                         get_backend, get_communicator, get_local_rank,
                                         get_local_world_size, get_rank, get_world_size,
                                         init_process_group, is_initialized,
                                         is_main_process)
from framework.distributed.sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm

DDP = DistributedDataParallel

__all__ = [
    "init_process_group", "destroy_process_group", "is_initialized", "get_backend",
    "get_communicator", "get_rank", "get_world_size", "get_local_rank",
    "get_local_world_size", "is_main_process", "barrier", "all_reduce", "broadcast",
    "all_gather", "broadcast_object", "DistributedDataParallel", "DDP", "SyncBatchNorm",
    "convert_sync_batchnorm", "launched_by_mpi",
]
