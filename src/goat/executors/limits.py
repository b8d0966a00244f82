"""What one evaluation may use, and how breaking each limit is told to the participant."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ByteSize


@dataclass(frozen=True, kw_only=True)
class Limits:
    time_s: int
    memory_bytes: int

    def time_exceeded(self) -> str:
        return f"time limit of {self.time_s} s exceeded"

    def memory_exceeded(self) -> str:
        return f"memory limit of {ByteSize(self.memory_bytes).human_readable()} exceeded"
