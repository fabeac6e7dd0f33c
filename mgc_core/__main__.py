"""Entry point of ``python -m mgc_core``."""

import sys

from mgc_core.cli import main

sys.exit(main())
