"""Build the Airflow image and print its build time and uncompressed size against the 1.6 GB target.

    .venv/bin/python -m bench.image            # warm build (layer cache as it is), then the size
    .venv/bin/python -m bench.image --cold     # also a build with --no-cache first (about 4-5 minutes here)

It builds through `make image`, so the engine, tag and build secret are the ones make picks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

from airflow_settings.versions import AIRFLOW_VERSION

REPO = Path(__file__).resolve().parents[1]

SIZE_TARGET_BYTES = 1.6e9


def make_variable(name: str) -> str:
    """A variable as `make image` sees it (CONTAINER_ENGINE, IMAGE)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "print"],
        input=f"print:\n\t@echo $({name})\n",
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def timed_build(*make_args: str) -> float:
    started = time.monotonic()
    subprocess.run(
        ["make", "--no-print-directory", "image", *make_args], cwd=REPO, check=True, stdout=subprocess.DEVNULL
    )
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="also time a build without the layer cache")
    args = parser.parse_args()

    engine = os.environ.get("CONTAINER_ENGINE") or make_variable("CONTAINER_ENGINE")
    tag = os.environ.get("IMAGE") or make_variable("IMAGE")
    print(f"image {tag} (Airflow {AIRFLOW_VERSION}), engine {engine}")
    if args.cold:
        print(f"cold build (--no-cache): {timed_build('IMAGE_BUILD_ARGS=--no-cache'):7.1f} s")
    # buildah keeps no layer cache from a --no-cache build: one ordinary build first, so "warm" means warm.
    timed_build()
    print(f"warm build:              {timed_build():7.1f} s")
    size = int(
        subprocess.run(
            [engine, "image", "inspect", "--format", "{{.Size}}", tag],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    share = size / SIZE_TARGET_BYTES
    print(f"uncompressed size:       {size / 1e9:7.3f} GB ({size} bytes, {share:.1%} of the 1.6 GB target)")


if __name__ == "__main__":
    main()
