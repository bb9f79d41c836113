"""The platform page (`/platform/`) and its nav entry in the Airflow UI (an external view of the plugin)."""

from __future__ import annotations

from importlib.metadata import version


class TestPlatformPage:
    """The HTML page, through Airflow's real API server."""

    def test_should_refuse_a_request_without_a_token(self, api_server):
        assert api_server.get("/platform/").status_code == 401

    def test_should_render_versions_health_pools_errors_and_parse_times(self, api_server, viewer_token, platform_state):
        api_server.cookies.set("_token", viewer_token)  # how the UI's iframe is signed in

        response = api_server.get("/platform/")

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        assert f'<strong id="airflow-version">{version("apache-airflow")}</strong>' in page
        assert f"<td>apache-airflow-providers-amazon</td><td>{version('apache-airflow-providers-amazon')}</td>" in page
        assert '<td>metadatabase</td><td class="healthy">healthy</td>' in page
        assert "<td>spark</td>" in page
        assert "NameError: name &#39;oops&#39; is not defined" in page  # escaped, never raw HTML
        assert page.index("slow.py") < page.index("fast.py")

    def test_should_add_a_platform_entry_to_the_ui_nav(self, api_server, viewer_token):
        response = api_server.get("/api/v2/plugins", headers={"Authorization": f"Bearer {viewer_token}"})

        assert response.status_code == 200, response.text
        (plugin,) = [p for p in response.json()["plugins"] if p["name"] == "dataplatform"]
        (view,) = plugin["external_views"]
        assert (view["name"], view["href"], view["destination"], view["url_route"]) == (
            "Platform",
            "/platform/",
            "nav",
            "platform",
        )
