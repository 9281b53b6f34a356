"""``python -m hubassoc_pandas.cli``: the ``hubassoc`` command."""

import sys

from . import main

sys.exit(main())
