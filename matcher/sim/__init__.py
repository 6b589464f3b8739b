"""Simulated market days, outside scenarios, fairness and phrase evaluation, demo data:
used by ``kuaizhao bench`` and ``serve --demo``, not by the matching path.
"""
