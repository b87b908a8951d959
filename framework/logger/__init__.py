"""Run output: the ``zeronn`` logger, TensorBoard event files, progress bars."""
from framework.logger.logging_setup import (LOG_FILE, LOGGER_NAME, close_logging,
                                            get_logger, setup_logging, verbosity_level)
from framework.logger.progress import QuietProgress, progress
from framework.logger.tensorboard_writer import TensorboardWriter

__all__ = [
    "setup_logging", "close_logging", "get_logger", "verbosity_level", "LOGGER_NAME",
    "LOG_FILE", "TensorboardWriter", "progress", "QuietProgress",
]
