"""The few domain exceptions of zeronn.

Every error that comes from a user's input (a config, a command-line argument, a
checkpoint, a missing data file, a device that is not there) derives from
:class:`UserError`.  The command-line entry points turn those into one clear line and
exit status 2; anything else is a bug and keeps its traceback.
"""

__all__ = [
    "ZeronnError", "UserError", "ConfigError", "RegistryError", "PluginError",
    "CheckpointError", "DataError", "ChecksumError", "DeviceError",
]


class ZeronnError(Exception):
    """Base class of every exception zeronn raises on purpose."""


class UserError(ZeronnError):
    """Bad input from the user: the CLI prints the message and exits with status 2."""


class ConfigError(UserError, ValueError):
    """An experiment config (YAML file or override) is invalid."""


class RegistryError(UserError, LookupError):
    """A name is unknown to a registry, registered twice, or its arguments do not fit."""


class PluginError(ZeronnError):
    """A plugin could not be loaded or implements an unknown hook."""


class CheckpointError(UserError, ValueError):
    """A checkpoint is missing, truncated, foreign or does not fit the model."""


class DataError(UserError):
    """A data set's files are missing or unreadable."""


class ChecksumError(DataError, ValueError):
    """A data file's content does not have the expected sha256."""


class DeviceError(UserError, RuntimeError):
    """A device was asked for that is not available (e.g. ``gpu`` with no usable GPU)."""
