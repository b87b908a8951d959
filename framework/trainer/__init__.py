"""The YAML-driven trainer: builder, epoch loop, callbacks, checkpoints, run folders."""
from framework.trainer.base_trainer import BaseTrainer, TrainingDiverged
from framework.trainer.builder import Experiment, build_experiment, check_experiment
from framework.trainer.callbacks import Callback, CallbackList
from framework.trainer.checkpoint import load_checkpoint, save_checkpoint
from framework.trainer.factory import build_callbacks, build_trainer, check_training
from framework.trainer.metrics import MetricTracker
from framework.trainer.monitor import Monitor
from framework.trainer.run_dir import make_run_dirs
from framework.trainer.trainer import Trainer, evaluate

__all__ = [
    "BaseTrainer", "Trainer", "TrainingDiverged", "Callback", "CallbackList", "Monitor",
    "Experiment", "build_experiment", "check_experiment", "check_training",
    "build_callbacks", "build_trainer", "evaluate", "load_checkpoint", "save_checkpoint",
    "MetricTracker", "make_run_dirs",
]
