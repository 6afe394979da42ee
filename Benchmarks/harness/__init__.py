"""The model-exporter performance suite: run it with scripts/bench (docs/performance.md)."""

import os
import sys

# Child processes, free ports and polling are scripts/pylib/localproc.py's, shared with the
# end-to-end drivers in scripts/e2e/ (its docstring says why it lives there).
_PYLIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pylib")
if _PYLIB not in sys.path:
    sys.path.insert(0, _PYLIB)
