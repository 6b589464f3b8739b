"""The kiosk's pages: ``render`` (the leaf every page imports), ``routes`` (the collector
that imports every page module, used only by ``kiosk.app``), templating, the
translation catalog (``i18n/``), the choices and validation shared with the API, and
the hall, worker and employer pages; ``flow/`` holds the one-question-per-screen flows.
"""
