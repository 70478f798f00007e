"""macslint: static parameter and MAC counts for torch.nn code, without running it."""

__version__ = "0.1.0"
