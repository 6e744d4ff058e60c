"""Spreading an expensive search over frames: a bounded slice of work per frame, resumed on
the next one.

A search is written as a generator that, before each step, yields that step's cost in work
units (one unit ≈ one circle fit, ~0.5 ms on the development machine) and finally returns its
result. :class:`BudgetedSearch` runs steps while they fit in the frame's budget and stops
before the one that would not, so no frame pays for the whole search (the roller's shape search
costs 40–250 ms at once, which froze the picture and the cues).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Generic, TypeVar

T = TypeVar("T")

Steps = Generator[int, None, T]


class BudgetedSearch(Generic[T]):
    """Runs a step generator a budget at a time.

    Args:
        steps: yields the cost (work units, >= 0) of its next step before doing it, returns
            the result.

    Attributes:
        done: the search has finished; ``result`` holds what it returned.
        spent: work units spent in each call of :meth:`advance`, in order (for tests and
            benchmarks: the per-frame cost without reading a clock).
    """

    def __init__(self, steps: Steps[T]) -> None:
        self._steps = steps
        self._pending: int | None = None
        self.done = False
        self.result: T | None = None
        self.spent: list[int] = []

    def advance(self, budget: int | None) -> bool:
        """Run steps while their costs fit in ``budget`` units (None: to the end); True
        when the search has finished.

        Raises:
            ValueError: a single step costs more than ``budget`` (it could never run).
        """
        spent = 0
        try:
            if self._pending is None and not self.done:
                self._pending = next(self._steps)  # set-up, up to the first step's cost
            while not self.done:
                cost = self._pending or 0
                if budget is not None and spent + cost > budget:
                    if spent == 0:
                        raise ValueError(f"budget {budget} is below one step's cost {cost}")
                    break
                spent += cost
                self._pending = next(self._steps)
        except StopIteration as stop:
            self.done, self.result, self._pending = True, stop.value, None
        self.spent.append(spent)
        return self.done

    def run(self) -> T | None:
        """Finish the search in this call; its result."""
        self.advance(None)
        return self.result
