"""Train a model from a YAML experiment config: ``python train.py -c configs/default.yaml``."""
import sys

from framework.trainer.cli import train_main

if __name__ == "__main__":
    sys.exit(train_main())
