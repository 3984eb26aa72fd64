"""Domain errors. Each carries a message fit to show the user (Japanese first)."""


class DomainError(ValueError):
    """Bad input or a forbidden action in the domain layer; nothing was written."""


class TransitionNotAllowed(DomainError):
    """The move is not in the transition table, or not allowed to this actor, or a guard failed."""


class DeadlineError(DomainError):
    """An impossible deadline operation (e.g. an extension to an earlier date, or no reason)."""


class CaseHeldByOther(DomainError):
    """The case is held by someone else: claiming or assigning it needs an explicit takeover."""

    def __init__(self, message: str, *, holder_id: int | None) -> None:
        super().__init__(message)
        self.holder_id = holder_id
