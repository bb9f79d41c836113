"""The generated blocks of docs/ equal a fresh render of the code they document, and the markers hold them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.docs import REPO_ROOT, DocsError, render_page, rendered_pages, stale_pages, write_pages

BLOCKS = {"greeting": lambda: "hello\n", "farewell": lambda: "bye"}


def page(text: str) -> str:
    return f"# Page\n\nHand-written.\n\n{text}\nMore hand-written text.\n"


def block(name: str, body: str = "stale\n") -> str:
    return f"<!-- BEGIN GENERATED: {name} -->\n{body}<!-- END GENERATED -->\n"


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    (tmp_path / "one.md").write_text(page(block("greeting")))
    (tmp_path / "two.md").write_text(page(block("farewell", body="bye\n")))
    (tmp_path / "plain.md").write_text(page(""))
    return tmp_path


def test_committed_blocks_are_fresh():
    stale = [str(path.relative_to(REPO_ROOT)) for path in stale_pages()]
    assert not stale, f"generated blocks out of date with the code in {', '.join(stale)}: run `make docs` and commit"


class TestRendering:
    """Markers and what lies between them."""

    def test_should_rewrite_only_between_the_markers(self, docs_dir: Path):
        assert write_pages(docs_dir, BLOCKS) == [docs_dir / "one.md"]
        assert (docs_dir / "one.md").read_text() == page(block("greeting", body="hello\n"))

    def test_should_change_nothing_on_a_second_run(self, docs_dir: Path):
        write_pages(docs_dir, BLOCKS)
        assert write_pages(docs_dir, BLOCKS) == []
        assert stale_pages(docs_dir, BLOCKS) == []

    def test_should_report_a_stale_page_without_writing_it(self, docs_dir: Path):
        before = (docs_dir / "one.md").read_text()
        assert stale_pages(docs_dir, BLOCKS) == [docs_dir / "one.md"]
        assert (docs_dir / "one.md").read_text() == before

    def test_should_list_only_pages_with_blocks(self, docs_dir: Path):
        assert set(rendered_pages(docs_dir, BLOCKS)) == {docs_dir / "one.md", docs_dir / "two.md"}


class TestMarkerErrors:
    """Wrong markers are refused with the page, the block and the fix."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (block("greetings"), "no generated block is called 'greetings'; fix: use one of greeting, farewell"),
            ("<!-- BEGIN GENERATED: greeting -->\nhello\n", "block greeting has no closing <!-- END GENERATED -->"),
            (
                "<!-- BEGIN GENERATED: greeting -->\n" + block("farewell"),
                "block greeting has no <!-- END GENERATED --> before block farewell begins",
            ),
            (block("greeting") + "<!-- END GENERATED -->\n", "an <!-- END GENERATED --> closes no block"),
        ],
        ids=["unknown-name", "unclosed", "nested", "stray-end"],
    )
    def test_should_refuse_bad_markers(self, text: str, message: str):
        with pytest.raises(DocsError, match="^page.md: ") as raised:
            render_page(page(text), "page.md", BLOCKS)
        assert message in str(raised.value)

    def test_should_refuse_a_block_shown_twice(self, docs_dir: Path):
        (docs_dir / "three.md").write_text(page(block("greeting")))
        with pytest.raises(DocsError, match=r"three\.md: block greeting is also on .*one\.md; fix: keep one"):
            rendered_pages(docs_dir, BLOCKS)

    def test_should_refuse_a_block_no_page_shows(self, docs_dir: Path):
        (docs_dir / "two.md").unlink()
        with pytest.raises(DocsError, match="shows the block.s. farewell; fix: put"):
            rendered_pages(docs_dir, BLOCKS)
