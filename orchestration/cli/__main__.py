"""`python -m orchestration.cli ...`, the same as `drgdip ...`."""

import sys

from orchestration.cli import main

sys.exit(main())
