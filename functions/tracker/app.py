"""Entry point of the TrackerFunction; the code lives in the jobtracker package, shipped in the layer."""

from jobtracker.handler import lambda_handler

__all__ = ["lambda_handler"]
