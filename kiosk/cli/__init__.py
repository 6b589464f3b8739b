"""The ``kuaizhao`` command: serve, matcher, accounts, backup and restore, bench."""

from kiosk.cli.main import main

__all__ = ["main"]
