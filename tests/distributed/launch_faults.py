"""``python launch_faults.py raise|kill|usererror [TOKEN]``: mpi_faults.py on 2 ranks
through the launcher that ``--nproc`` uses (TOKEN only marks the processes)."""
import sys
from pathlib import Path

from framework.distributed.launch import run_with_mpiexec

sys.exit(run_with_mpiexec(2, [str(Path(__file__).with_name("mpi_faults.py"))] + sys.argv[1:]))
