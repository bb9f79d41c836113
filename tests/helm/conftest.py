"""Chart values tests: pure (no Pulumi), so they run in either environment."""

import sys
from pathlib import Path

# tests/helm/chart_utils.py is the shared render helper, named like the chart helm-tests own chart_utils.
sys.path.insert(0, str(Path(__file__).parent))
