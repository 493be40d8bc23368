"""The chat UI in a real Chromium (Debian's /usr/bin/chromium driven by Playwright), as a user meets it.

The app is served by the test on a free loopback port against the session's real index. Outside CI
a missing browser skips these tests with the reason; in CI (CI set) it fails them. With
SPEECHQA_SCREENSHOTS=1 the screenshots of the main states are written to docs/ (otherwise to tmp).
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
DOCS = Path(__file__).resolve().parents[1] / "docs"
SPEECH_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
FOLLOW_UP = "And what should countries in the region do about that?"
TIMEOUT_MS = 120_000  # the first answer may wait for the model on a slow CI machine


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install it (apt-get install chromium, as .ci/run does)")
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")


@pytest.fixture(scope="module")
def app_url(library) -> Iterator[str]:
    _require_chromium()
    from ui.app import build_app, launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    demo = build_app(lambda: library)
    yield launch(demo, "127.0.0.1", port, block=False)
    demo.close()


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, app_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.requests = []  # type: ignore[attr-defined]  # a list hung on the Page for this test
    page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]  # see above
    page.goto(app_url, wait_until="load")
    page.wait_for_selector("#sqa-chat")
    yield page
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return DOCS if os.environ.get("SPEECHQA_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("shots")


def ask(page: Any, question: str, turn: int) -> None:
    """Type a question and wait until its answer is final (markers become links only at the end)."""
    page.fill("#sqa-question textarea", question)
    page.click("#sqa-send")
    page.wait_for_selector(f'#sqa-chat a.sqa-cite[href^="#cite-{turn}-"]')


def show_citation(page: Any, turn: int, n: int) -> Any:
    page.click(f'#sqa-chat a.sqa-cite[href="#cite-{turn}-{n}"] >> nth=0')
    return page.wait_for_selector(f'#sqa-citation .sqa-citation:has-text("[{n}]")')


def test_ask_click_citation_follow_up_and_export(page, assistant, app_url: str, shots: Path) -> None:
    from ui.examples import example_questions

    example = example_questions([assistant.document(SPEECH_DOC_ID)])[0]  # drawn from the document itself
    first = assistant.ask(example)
    page.wait_for_selector(f"text={example}")
    page.wait_for_selector("#sqa-header:has-text('Remarks by')")  # the header names the loaded statement
    page.screenshot(path=str(shots / "screenshot-first-load.png"))
    page.get_by_text(example).click()  # an example question
    page.wait_for_selector('#sqa-chat a.sqa-cite[href^="#cite-0-"]')
    panel = show_citation(page, 0, 1)
    assert panel.get_attribute("data-paragraph") == str(first.citations[0].paragraph)
    assert " ".join(page.locator("#sqa-citation mark").all_inner_texts()) == first.citations[0].quote
    assert page.locator("#sqa-sources .sqa-source").count() == len(first.citations)
    page.screenshot(path=str(shots / "screenshot-answer.png"), full_page=True)

    ask(page, FOLLOW_UP, 1)
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}]
    second = assistant.ask(FOLLOW_UP, history)
    assert show_citation(page, 1, 1).get_attribute("data-paragraph") == str(second.citations[0].paragraph)
    assert page.locator('#sqa-chat [data-testid="user"]').all_inner_texts() == [first.question, FOLLOW_UP]

    with page.expect_download() as download:
        page.click("#sqa-export")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert f"## 2. {FOLLOW_UP}" in markdown and f"> {second.citations[0].quote}" in markdown
    origin = app_url.rstrip("/")
    assert [u for u in page.requests if not u.startswith((origin, "data:", "blob:"))] == []


def test_reading_view_searches_and_jumps_to_a_paragraph(page, assistant, shots: Path) -> None:
    document = assistant.document(SPEECH_DOC_ID)
    page.get_by_role("tab", name="Read the document").click()
    page.wait_for_selector("#sqa-reading #sqa-p-1")
    page.fill("#sqa-search textarea", "Haiti")
    page.wait_for_selector("#sqa-reading .sqa-match")
    matching = [p.number for p in document.citable() if "haiti" in p.text.lower()]
    ids = page.locator("#sqa-reading .sqa-match").evaluate_all("els => els.map(e => e.id)")
    assert ids == [f"sqa-p-{n}" for n in matching]
    page.fill("#sqa-jump input", "7")
    page.keyboard.press("Enter")
    focus = page.wait_for_selector("#sqa-reading #sqa-p-7.sqa-focus")
    assert page.locator("#sqa-reading .sqa-focus").count() == 1
    assert re.sub(r"\s+", " ", focus.inner_text()).startswith("¶7 ")
    page.screenshot(path=str(shots / "screenshot-reading.png"))


def test_markup_is_text_and_errors_are_messages(page) -> None:
    ask(page, '<img src=x onerror="window.sqaPwned=1"><b>bold</b> What about Haiti?', 0)
    user = page.locator('#sqa-chat [data-testid="user"]').first
    assert "<b>bold</b>" in user.inner_text() and user.locator("b, img").count() == 0
    assert page.evaluate("window.sqaPwned") is None
    page.fill("#sqa-question textarea", "why " * 600)
    page.click("#sqa-send")
    error = page.wait_for_selector("#sqa-chat .sqa-error")
    assert "limit is 2,000" in error.inner_text() and "Traceback" not in page.content()
    ask(page, "Who delivered this statement?", 2)  # still serving, same conversation


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
GLACIERS = """Statement by the delegation of Veltoria on mountain glaciers

Mr. President,

The delegation of Veltoria is alarmed that the glaciers of Mount Karsk have lost a third of their ice in ten years.

We call on every partner to fund a glacier monitoring network across the Karsk range before the next summer.
"""


@pytest.fixture(scope="module")
def writable_url(speech_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over its own copy of the speech index, which the tests may change."""
    import shutil

    _require_chromium()
    from rag.library import build_library
    from rag.settings import Settings
    from ui.app import build_app, launch

    index_dir = tmp_path_factory.mktemp("writable") / "index"
    shutil.copytree(speech_index, index_dir)
    library = build_library(Settings(index_dir=index_dir))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    demo = build_app(lambda: library)
    yield launch(demo, "127.0.0.1", port, block=False)
    demo.close()


def choose(page: Any, dropdown: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.get_by_role("option", name=option).first.click()


def test_upload_ask_about_it_and_remove_it(browser, writable_url: str, tmp_path: Path, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(writable_url, wait_until="load")
    page.wait_for_selector("#sqa-chat")
    good, bad = tmp_path / "veltoria-glaciers.txt", tmp_path / "empty-notes.md"
    good.write_text(GLACIERS, encoding="utf-8")
    bad.write_text("", encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#sqa-upload input[type=file]", [str(good), str(bad)])
    page.wait_for_selector("#sqa-upload-status:has-text('2 of 2 files processed')")
    assert page.locator('#sqa-upload-status [data-state="added"]').inner_text().startswith("✓ veltoria-glaciers.txt")
    failed = page.locator('#sqa-upload-status [data-state="failed"]').inner_text()
    assert "empty-notes.md" in failed and len(failed) > len("✗ empty-notes.md: failed — ")  # the reason is given
    row = page.wait_for_selector('#sqa-docs tr[data-doc="veltoria-glaciers"]')
    assert "Veltoria" in row.inner_text()
    page.screenshot(path=str(shots / "screenshot-documents.png"))

    ask(page, "What happened to the glaciers of Mount Karsk?", 0)
    panel = show_citation(page, 0, 1)
    assert "veltoria-glaciers" in panel.inner_text()

    page.get_by_role("tab", name="Documents").click()
    choose(page, "#sqa-pick", row.inner_text().split("\n")[0].strip())
    page.click("#sqa-remove")
    page.wait_for_selector("#sqa-docs-message:has-text('Removed')")
    page.wait_for_selector('#sqa-docs tr[data-doc="veltoria-glaciers"]', state="detached")
    context.close()


def _in_view(page: Any, selector: str) -> bool:
    return bool(page.evaluate("""(sel) => { const el = document.querySelector(sel); if (!el) return false;
        const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }""", selector))


@pytest.mark.parametrize("width", [1400, 390])
def test_clicking_a_citation_brings_the_quote_into_view(browser, app_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url, wait_until="load")
    page.wait_for_selector("#sqa-chat")
    ask(page, "What does the statement say about Haiti?", 0)
    page.evaluate("window.scrollTo(0, 0)")
    show_citation(page, 0, 1)
    page.wait_for_function("""() => { const el = document.querySelector('#sqa-citation mark'); if (!el) return false;
        const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }""")
    assert _in_view(page, "#sqa-citation mark")
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(1400, "light"), (1400, "dark"), (390, "light"), (390, "dark")])
def test_no_serious_accessibility_violations(browser, app_url: str, shots: Path, width: int, scheme: str) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser-deps` (npm ci in tests/)")
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url, wait_until="load")
    page.wait_for_selector("#sqa-chat")
    assert page.evaluate("document.querySelector('.dark') !== null") == (scheme == "dark")
    ask(page, "What does the statement say about Haiti?", 0)
    show_citation(page, 0, 1)
    page.wait_for_timeout(300)  # let the scroll to the quote settle before the screenshot
    name = "desktop" if width > 500 else "mobile"
    page.screenshot(path=str(shots / f"screenshot-{name}-{scheme}.png"))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})""")
    serious = [(v["id"], v["impact"], [(n["target"], n["any"][0]["message"] if n["any"] else "") for n in v["nodes"]])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious)
    context.close()
