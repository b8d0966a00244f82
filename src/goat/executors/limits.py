"""What one evaluation may use, and how breaking each limit is told to the participant."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ByteSize


@dataclass(frozen=True, kw_only=True)
class Limits:
    time_s: int
    memory_bytes: int
    kill_grace_s: float = 30.0
    """How long a SIGKILLed evaluation process may take to die; past it, it is stuck in the kernel."""

    def time_exceeded(self) -> str:
        return f"time limit of {self.time_s} s exceeded"

    def memory_exceeded(self) -> str:
        return f"memory limit of {ByteSize(self.memory_bytes).human_readable()} exceeded"
