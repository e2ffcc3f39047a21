"""The converter tests in the family folders below share ``cocovid_helpers`` (beside this file)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
