"""Run under mpiexec: one rank fails while the others wait in a collective.

Usage: python mpi_faults.py raise|kill|usererror [TOKEN]   (TOKEN only marks the processes)
"""
import os
import signal
import sys
import time

import numpy as np

import framework.distributed as dist


def main():
    how = sys.argv[1]
    dist.init_process_group()
    dist.barrier()
    if dist.get_rank() == 1:
        time.sleep(0.5)
        if how == "raise":
            raise ValueError("boom in the training step")
        if how == "usererror":
            from framework.errors import ConfigError
            raise ConfigError("arch.args.hidden: expected a list of positive ints, got -1")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
    # rank 0 waits for rank 1 in a collective that never completes normally
    dist.all_reduce(np.ones(4))
    time.sleep(60)


if __name__ == "__main__":
    main()
