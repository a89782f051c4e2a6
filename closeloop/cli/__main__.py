"""`python -m closeloop.cli`, as the `closeloop` console script."""

import sys

from closeloop.cli import main

sys.exit(main())
