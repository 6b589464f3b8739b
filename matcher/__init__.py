"""The engine side of kuaizhao: state in Redis, matching, text understanding, the
operators' desk rules and the simulator. Never imports ``kiosk``.

Leaf modules at the top: ``clock`` (the injected clock and the market day),
``settings`` (the one reader of the environment), ``markets`` and ``specs``
(validated inputs to the store).
"""
