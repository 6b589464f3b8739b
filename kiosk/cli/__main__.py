"""``python -m kiosk.cli``: the same as the ``kuaizhao`` command."""

import sys

from kiosk.cli.main import main

sys.exit(main())
