"""``python -m sozialmonitor``."""

import sys

from sozialmonitor.cli import main

sys.exit(main())
