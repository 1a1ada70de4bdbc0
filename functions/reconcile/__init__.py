"""Not deployed (the Makefile copies app.py only): it names this app.py `reconcile.app` for mypy, which otherwise
refuses two top-level modules named `app` (functions/tracker/app.py is the other)."""
