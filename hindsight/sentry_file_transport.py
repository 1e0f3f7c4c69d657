"""A real sentry-sdk transport that appends each envelope to a file instead of sending it."""

from __future__ import annotations

import threading
from pathlib import Path

from sentry_sdk.transport import Transport


class FileTransport(Transport):
    def __init__(self, path: str | Path):
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def capture_envelope(self, envelope) -> None:
        data = envelope.serialize()
        with self._lock, self.path.open("ab") as fh:
            fh.write(data if data.endswith(b"\n") else data + b"\n")

    def flush(self, timeout, callback=None) -> None:
        return None

    def kill(self) -> None:
        return None
