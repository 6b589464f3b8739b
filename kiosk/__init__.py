"""The web side of kuaizhao: the kiosk screens, the operators' console, the JSON API and
the ``kuaizhao`` command. It reads and writes state only through ``matcher.store.facade``.

``app`` builds the Starlette application; each subpackage holds one concern:
``http`` (middleware and request plumbing), ``auth`` (who is asking), ``web`` (the
kiosk's pages, flows and catalog), ``ops`` (the operators' console), ``api`` (JSON v1),
``cli`` (the command) and ``bench`` (load, soak and latency tools, never imported while
serving).
"""
