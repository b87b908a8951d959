"""Evaluate a checkpoint on its test data: ``python test.py -r saved/models/<name>/<run>/model_best.npz``."""
import sys

from framework.trainer.cli import test_main

if __name__ == "__main__":
    sys.exit(test_main())
