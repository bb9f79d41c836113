"""Bad stack configs searched for, not only listed: hypothesis mutates the committed example stacks.

Each mutant (a wrong type, an out-of-range number, a bad CIDR, a name at or over an AWS length limit, an unknown
key or a missing one) is either refused before any resource exists, with every problem written as
"<key>: <problem>; fix: <fix>", or accepted, and then the program builds under the mocks and the policy pack
finds no mandatory violation. Any other exception fails the search. Deterministic (derandomize) and bounded
for CI.
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.config import CONFIG_NAMESPACE, StackConfigError, config_reference
from infra.presets import with_preset
from tests.infra.example_stacks import STACKS, with_stand_in_artifacts
from tests.infra.harness import Built, build_stack, stack_config
from tests.policy.stack_analysis import mandatory_violations

pytestmark = pytest.mark.infra

KeyPath = tuple[str | int, ...]
"""A config key's place: the Pulumi key (airflow-aws:network), then section keys and list indexes."""

REFERENCE_KEYS = {key for key, _ in config_reference()}
UNREAD = ("aws:defaultTags",)
"""The provider's default tags: their shape is the aws provider's to check, so the mutations above leave them alone.
Their `environment` value, which the program and the pack both read to pick the production rules, is drawn by
`tagged_mutants`."""
KEY_OF_A_PROBLEM = re.compile(
    rf"^\s*(aws:region|aws:defaultTags\.tags\.\w+|{CONFIG_NAMESPACE}(?::(?P<key>[\w.\[\]]+))?): (?P<rest>.+)$"
)

CIDRS = st.one_of(
    st.sampled_from(
        [
            "10.0.0.0/16",
            "10.0.0.1/16",  # host bits set
            "172.32.0.0/16",  # just outside 172.16/12
            "100.64.0.0/16",  # shared address space
            "198.18.0.0/16",  # benchmarking, which is_private accepts
            "192.168.0.0/15",  # wider than the RFC 1918 block
            "0.0.0.0/0",
            "10.0.0.0/33",
            "300.1.1.1/16",
            "::/0",
            "10.0.0.0",
            "",
        ]
    ),
    st.builds(
        "{}.{}.{}.{}/{}".format,
        st.integers(0, 300),
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 33),
    ),
)
NAME_CHARS = st.sampled_from("abcxyz019-_A.")
NAMES = st.one_of(
    # Around the namePrefix limits (29 on eks, 31 on mwaa) and the node group name's.
    st.builds(lambda n: "airflow-" + "x" * n, st.integers(14, 26)),
    st.builds(lambda n: "g" * n, st.integers(1, 40)),
    st.text(NAME_CHARS, min_size=0, max_size=40),
    st.sampled_from(["airflow--dev", "airflow-dev-", "sthree-airflow", "aws-platform", "Airflow", "a"]),
)
NUMBERS = st.one_of(
    st.sampled_from([-1, 0, 1, 2, 5, 6, 7, 19, 20, 21, 22, 25, 26, 35, 36, 299, 300, 65536, 65537]),
    st.integers(-(2**40), 2**40),
)
SWAPS = ["dev", "prod", "eks", "mwaa", "git-bundle", "redis", "PUBLIC_ONLY", "mw1.micro", True, False]
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "name"]), st.integers(0, 3), max_size=1),
)


def _effective(stack: str) -> dict[str, Any]:
    """The committed stack with its size preset written out, so a mutation can reach every key."""
    config = stack_config(stack)
    ours = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith(f"{CONFIG_NAMESPACE}:")}
    merged = {"namePrefix": f"airflow-{stack}", **with_preset(ours.get("size", "dev"), ours)}
    return {
        **{key: value for key, value in config.items() if not key.startswith(f"{CONFIG_NAMESPACE}:")},
        **{f"{CONFIG_NAMESPACE}:{key}": value for key, value in merged.items()},
    }


def _leaves(value: Any, path: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [(path, value)]


def _parent(config: dict[str, Any], path: KeyPath) -> Any:
    """The dict or list holding the value at `path`."""
    target: Any = config
    for part in path[:-1]:
        target = target[part]
    return target


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    """(stack, mutated config, what was changed)."""
    stack = draw(st.sampled_from(STACKS))
    config = copy.deepcopy(_effective(stack))
    leaves = [(path, value) for path, value in _leaves(config) if path[0] not in UNREAD]
    kind = draw(st.sampled_from(["type", "number", "cidr", "name", "unknown", "missing", "swap"]))
    if kind == "missing":
        # A key left out of Pulumi.<stack>.yaml falls back to the preset; what has none must be refused.
        committed = stack_config(stack)
        leaf, _ = draw(st.sampled_from([(p, v) for p, v in _leaves(committed) if p[0] not in UNREAD]))
        path = leaf[: draw(st.integers(1, len(leaf)))]  # the leaf, or a section holding it
        config = copy.deepcopy(committed)
        del _parent(config, path)[path[-1]]
        return stack, config, f"missing {path}"
    if kind == "unknown":
        sections = [key for key, value in config.items() if isinstance(value, dict) and key not in UNREAD]
        where = draw(st.sampled_from([None, *sections]))
        name = draw(st.sampled_from(["bogus", "multiAZ", "namePrefx", "tags"]))
        if where is None:
            config[f"{CONFIG_NAMESPACE}:{name}"] = "x"
        else:
            config[where][name] = "x"
        return stack, config, f"unknown {where}.{name}"
    if kind == "swap":
        # A value that is valid somewhere: the same key's in another stack, or another choice of an enum.
        path, _ = draw(st.sampled_from(leaves))
        elsewhere = [value for other in STACKS for p, value in _leaves(_effective(other)) if p == path]
        _parent(config, path)[path[-1]] = draw(st.sampled_from([*elsewhere, *SWAPS]))
        return stack, config, f"swap {path}"
    candidates = {
        "type": leaves,
        "number": [(p, v) for p, v in leaves if isinstance(v, int) and not isinstance(v, bool)],
        "cidr": [(p, v) for p, v in leaves if any("Cidr" in str(part) for part in p)],
        "name": [(p, v) for p, v in leaves if str(p[-1]).endswith(("name", "Prefix", "namespace", "tag", "host"))],
    }[kind]
    path, _ = draw(st.sampled_from(candidates))
    value = draw({"type": WRONG_TYPES, "number": NUMBERS, "cidr": CIDRS, "name": NAMES}[kind])
    _parent(config, path)[path[-1]] = value
    return stack, config, f"{kind} {path} = {value!r}"


def _names_a_config_key(key: str) -> bool:
    """A leaf or a section of the configuration reference, as it names list members: eks.nodeGroups.0.name is
    eks.nodeGroups[].name, eks.publicAccessCidrs.0 is eks.publicAccessCidrs."""
    reference = re.sub(r"\.\d+$", "", re.sub(r"\.\d+(?=\.)", "[]", key))
    return any(ref == reference or ref.startswith((f"{reference}.", f"{reference}[]")) for ref in REFERENCE_KEYS)


@st.composite
def tagged_mutants(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    """A mutant whose `environment` tag mostly says its size, and sometimes another environment or none: the
    program refuses a tag that would hold the stack to rules its size does not meet."""
    stack, config, change = draw(mutants())
    size = config.get(f"{CONFIG_NAMESPACE}:size", "dev")
    tag = draw(st.sampled_from([size, size, size, "dev", "prod", "staging", None]))
    if tag is None:
        config.pop("aws:defaultTags", None)
    else:
        config["aws:defaultTags"] = {"tags": {"environment": tag}}
    return stack, config, f"{change}, environment tag {tag!r}"


def _assert_well_worded(message: str) -> None:
    """Every problem names a key the config has (or refuses an unknown one), then the problem, then the fix."""
    lines = message.splitlines()
    problems = lines[1:] if lines[0].startswith("invalid stack config") else lines
    assert problems, message
    for line in problems:
        found = KEY_OF_A_PROBLEM.match(line)
        assert found, f"problem without a key: {line!r}"
        if found["key"] is not None and not found["rest"].startswith("unknown key"):
            assert _names_a_config_key(found["key"]), f"problem names no config key: {line!r}"
        assert re.search(r"\bfix:", found["rest"], re.IGNORECASE), f"problem without a fix: {line!r}"


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tagged_mutants())
def test_every_mutant_is_refused_with_a_fix_or_builds_clean(mutant: tuple[str, dict[str, Any], str]):
    stack, config, change = mutant
    built = Built()
    with tempfile.TemporaryDirectory(prefix="mwaa-artifacts-") as directory:
        if stack == "mwaa" and isinstance(config.get(f"{CONFIG_NAMESPACE}:mwaa"), dict):
            config = with_stand_in_artifacts(config, Path(directory))
        try:
            build_stack(stack, config, built)
        except StackConfigError as refused:
            assert built.resources == [], f"{change}: created {[r.name for r in built.resources]} before refusing"
            _assert_well_worded(str(refused))
            return
    assert mandatory_violations(built) == [], f"{change}: accepted, but the pack refuses it"
