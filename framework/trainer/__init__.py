"""The YAML-driven trainer: builder, epoch loop, checkpoints, run folders, command lines."""
from framework.trainer.base_trainer import BaseTrainer, TrainingDiverged
from framework.trainer.builder import Experiment, build_experiment, check_experiment
from framework.trainer.checkpoint import load_checkpoint, save_checkpoint
from framework.trainer.metrics import MetricTracker
from framework.trainer.run_dir import make_run_dirs
from framework.trainer.trainer import Trainer, evaluate

__all__ = [
    "BaseTrainer", "Trainer", "TrainingDiverged", "Experiment", "build_experiment",
    "check_experiment", "evaluate", "load_checkpoint", "save_checkpoint", "MetricTracker",
    "make_run_dirs",
]
