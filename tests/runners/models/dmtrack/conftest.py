"""The seeded DMTrack checkpoint (authors' layout, ~60 M parameters), generated once per test session."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session")
def dmtrack_seeded_state():
    from trackbench.runners.models.dmtrack.seeded import dmtrack_seeded_checkpoint

    return dmtrack_seeded_checkpoint()["state_dict"]


@pytest.fixture()
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
