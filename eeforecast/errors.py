"""Exception types raised by eeforecast.

Every error a user can cause is an :class:`EEForecastError` (a ``ValueError``), and its message names
the round, field or parameter at fault. The CLI prints it on one line and exits with status 2.
"""


class EEForecastError(ValueError):
    """Base class of eeforecast's errors caused by input (data, parameters, files)."""


class FeedError(EEForecastError):
    """An IRCC-format feed cannot be read: bad JSON, missing or malformed field, duplicate round."""


class UpdateError(EEForecastError):
    """Fetching the live feed failed (network, host, size, payload); nothing was replaced."""


class ParameterError(EEForecastError):
    """A parameter is out of range or malformed (category, invitations, dates, schedule)."""


class OutputError(EEForecastError):
    """An output file or folder cannot be written (a file where a folder should be, no
    permission, a full disk); the message names the path, and nothing was half-replaced."""
