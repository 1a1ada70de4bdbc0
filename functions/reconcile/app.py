"""Entry point of the ReconcileFunction; the code lives in the jobtracker package, shipped in the layer."""

from jobtracker.reconcile_handler import lambda_handler

__all__ = ["lambda_handler"]
