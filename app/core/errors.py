"""The one error shape of the domain modules: a message for the user and an HTTP-like status
(403: not yours to do, 404: not found, 409: not now / not like this, 400: bad input)."""


class DomainError(Exception):
    """A refused step; nothing was written."""

    def __init__(self, message, status: int = 409):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
