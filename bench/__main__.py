"""``python -m bench``: run the benchmark suites."""

import sys

from bench.cli import main

sys.exit(main())
