"""``python -m hubassoc_pandas.cli``: the ``hubassoc`` command."""

import sys

from hubassoc_pandas.cli import main

sys.exit(main())
