"""What the bench/*.py scripts share (none of it is a script). Importing this package puts the
project root on sys.path, so that a script can import `awards` (and the test factories) next."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "bench" / "results"

sys.path.insert(0, str(ROOT))
