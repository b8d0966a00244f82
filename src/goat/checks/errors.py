"""The participant-facing rejection, and safe rendering of the model-controlled strings it may contain."""


class ModelRejected(Exception):
    """The model is unacceptable; ``message`` tells the participant what was expected and what was found."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def printable(text: str, limit: int = 120) -> str:
    """Names come from the uploaded model, so cap their length and escape control characters."""
    escaped = "".join(_escaped(char) for char in text[: limit + 1])
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


def _escaped(char: str) -> str:
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")


def quoted(text: str) -> str:
    return "'" + printable(text).replace("'", "\\'") + "'"
