"""``python -m anythread``: the command line."""

import sys

from anythread.cli import main

sys.exit(main())
