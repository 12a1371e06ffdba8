"""A progress bar on stderr (tqdm) that degrades to nothing without tqdm."""

from __future__ import annotations

from types import TracebackType
from typing import Any

__all__ = ['Progress']


class Progress:
    """Counts finished measurements; shows a tqdm bar when tqdm is installed.

    The bar is drawn only on a terminal (tqdm's ``disable=None``), so piped
    output, CI logs and tests stay clean. Totals grow as suites announce work.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm  # noqa: PLC0415
            except ImportError:
                return
            self._bar = tqdm(total=0, unit='run', disable=None, leave=False, dynamic_ncols=True)

    def add(self, steps: int, label: str) -> None:
        """Announce ``steps`` more measurements, now in ``label``."""
        if self._bar is not None:
            self._bar.total = (self._bar.total or 0) + steps
            self._bar.set_description(label, refresh=False)
            self._bar.refresh()

    def tick(self) -> None:
        """One measurement finished."""
        if self._bar is not None:
            self._bar.update(1)

    def write(self, text: str) -> None:
        """Print a line without breaking the bar."""
        if self._bar is not None:
            self._bar.write(text)
        else:
            print(text, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
