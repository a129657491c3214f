"""Errors a user can act on. Each message names the file, setting or endpoint, and what to do."""


class RemissError(Exception):
    """Base of every error the CLI and the app turn into one friendly line."""


class ConfigError(RemissError):
    """A setting is missing or wrong."""


class EmbedderMismatchError(RemissError):
    """The index was built with another embedder than the one configured."""


class IndexMissingError(RemissError):
    """There is no index yet."""


class StoreUnavailableError(RemissError):
    """The Chroma server cannot be reached."""


class QuestionError(RemissError):
    """The question is empty, blank or too long."""


class IndexBusyError(RemissError):
    """Another process is writing the index (one writer at a time)."""


class IndexWriteError(RemissError):
    """A commit could not be completed; the document keeps its previous version."""
