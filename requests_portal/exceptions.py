"""Domain errors. Each carries a message fit to show the user (Japanese first)."""


class DomainError(ValueError):
    """Bad input or a forbidden action in the domain layer; nothing was written."""


class TransitionNotAllowed(DomainError):
    """The move is not in the transition table, or not allowed to this actor, or a guard failed."""


class DeadlineError(DomainError):
    """An impossible deadline operation (e.g. an extension to an earlier date, or no reason)."""
