"""torchvision 0.28's compiled ops do not load with the CPU torch 2.13 build, and its import then fails while
registering fake kernels for them. The oracles use torchvision only for what needs no compiled op (mmcv 1.x's
``runner.checkpoint`` reads its model-zoo URLs; MeMOTR builds ``resnet50``), so those registrations are skipped
during the import. Oracle environments only; never in CI."""

from __future__ import annotations


def import_torchvision() -> None:
    import torch

    real = torch.library.register_fake
    torch.library.register_fake = lambda *args, **kwargs: (lambda fn: fn)
    try:
        import torchvision  # noqa: F401
    finally:
        torch.library.register_fake = real
