"""``python -m services`` is the ``postroom`` command."""

import sys

from services.cli import main

sys.exit(main())
