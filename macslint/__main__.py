"""`python -m macslint`: the command line."""

import sys

from .adapters.cli import main

sys.exit(main())
