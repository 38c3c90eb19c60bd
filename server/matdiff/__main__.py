"""``python -m matdiff`` is the ``matdiff`` command."""

import sys

from matdiff.cli import main

sys.exit(main())
