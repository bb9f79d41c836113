"""Service accounts of the Airflow components: the names IRSA trusts, each annotated with its own role."""

import jmespath
import pytest

from infra.components import SERVICE_ACCOUNTS
from infra.helm_values import values_path
from tests.helm.chart_utils import DEFAULT_INPUTS, render


class TestServiceAccounts:
    """One service account per component that gets an IRSA role."""

    @pytest.mark.parametrize(("component", "account"), SERVICE_ACCOUNTS.items())
    def test_should_pin_the_name_and_carry_the_component_role(self, component: str, account: str):
        service_account = jmespath.search(f"{values_path(component)}.serviceAccount", render())
        assert [service_account["create"], service_account["name"]] == [True, account]
        assert service_account["annotations"] == {"eks.amazonaws.com/role-arn": DEFAULT_INPUTS.role_arns[component]}
