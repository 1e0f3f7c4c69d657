"""Fixtures of the sources tests: a live `hindsight serve` world (see live_world.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live_world import LiveWorld, free_port


@pytest.fixture
def live(tmp_path):
    world = LiveWorld(tmp_path, port=free_port())
    world.write_config()
    yield world
    world.stop()
