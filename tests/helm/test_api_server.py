"""API server (UI and REST API): ingress and disruption budget."""

import jmespath
import pytest

from infra.config_sections import IngressConfig
from infra.helm_values import ValuesError
from tests.helm.chart_utils import render

CERTIFICATE = "arn:aws:acm:eu-west-1:111122223333:certificate/abc"


class TestAPIServerIngress:
    """ALB ingress for the UI."""

    def test_should_not_create_an_ingress_without_a_host(self):
        assert jmespath.search("ingress", render()) is None

    @pytest.mark.parametrize(("internal", "scheme"), [(True, "internal"), (False, "internet-facing")])
    def test_should_route_the_host_over_https(self, internal: bool, scheme: str):
        exposed = IngressConfig(
            enabled=True, internal=internal, host="airflow.example.com", certificate_arn=CERTIFICATE
        )
        values = render(ingress=exposed)
        ingress = jmespath.search("ingress.apiServer", values)
        assert ingress["enabled"] is True
        assert jmespath.search("hosts[0].name", ingress) == "airflow.example.com"
        assert ingress["annotations"]["alb.ingress.kubernetes.io/certificate-arn"] == CERTIFICATE
        assert ingress["annotations"]["alb.ingress.kubernetes.io/scheme"] == scheme

    def test_should_refuse_an_enabled_ingress_without_host_or_certificate(self):
        with pytest.raises(ValuesError, match=r"ingress\.host: missing.*\n.*ingress\.certificateArn: missing"):
            render(ingress=IngressConfig(enabled=True, internal=True))


class TestAPIServerPodDisruptionBudget:
    """PodDisruptionBudget for the API server."""

    def test_should_be_enabled(self):
        assert jmespath.search("apiServer.podDisruptionBudget.enabled", render()) is True
