"""Chart values tests: pure (no Pulumi), so they run in either environment."""

import sys
from pathlib import Path

# tests/helm/utils.py is the shared render helper, imported as `utils` like the chart's helm-tests do.
sys.path.insert(0, str(Path(__file__).parent))
