"""How long the Pulumi program takes under the mock runtime, per committed stack, and how many resources it makes.

    .venv-infra/bin/python -m bench.infra_mocks        (from the repository root)

Prints figures only (no assertions): the cost of the example-stack fixtures (tests/infra/example_stacks.py) on
this machine. The first build also pays for pulumi_aws loading its service submodules (ec2, rds, …) lazily on
first use.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.infra.example_stacks import STACKS, with_stand_in_artifacts
from tests.infra.harness import build_stack, stack_config


def main() -> None:
    started = time.perf_counter()
    import infra.stack  # noqa: F401  (pulumi_aws, pulumi_eks and pulumi_kubernetes dominate)

    print(f"import  {time.perf_counter() - started:6.2f} s")
    with tempfile.TemporaryDirectory() as artifacts:
        timings = {}
        for stack in STACKS:
            config = stack_config(stack)
            if stack == "mwaa":
                config = with_stand_in_artifacts(config, Path(artifacts))
            started = time.perf_counter()
            built = build_stack(stack, config)
            timings[stack] = time.perf_counter() - started
            custom = sum(1 for resource in built.resources if resource.custom)
            print(f"{stack:5} {timings[stack]:6.2f} s  {len(built.resources):4} resources ({custom} custom)")
        print(f"prod/dev time ratio: {timings['prod'] / timings['dev']:.2f}")


if __name__ == "__main__":
    main()
