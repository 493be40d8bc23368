"""The chat UI in a real Chromium (Debian's /usr/bin/chromium driven by Playwright), as a user meets it.

The app is served by the test on a free loopback port against the session's real index. Outside CI
a missing browser skips these tests with the reason; in CI (CI set) it fails them. With
SPEECHQA_SCREENSHOTS=1 the screenshots of the main states are written to docs/ (otherwise to tmp).
"""

from __future__ import annotations

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
def app_url(library) -> Iterator[str]:  # type: ignore[no-untyped-def]
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
def page(browser, app_url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
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


def test_ask_click_citation_follow_up_and_export(page, assistant, app_url: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    first = assistant.ask("What does the statement say about Haiti?")
    page.wait_for_selector("text=What does the statement say about Haiti?")
    page.screenshot(path=str(shots / "screenshot-first-load.png"))
    page.get_by_text("What does the statement say about Haiti?").click()  # an example question
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


def test_reading_view_searches_and_jumps_to_a_paragraph(page, assistant, shots: Path) -> None:  # type: ignore[no-untyped-def]
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


def test_markup_is_text_and_errors_are_messages(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, '<img src=x onerror="window.sqaPwned=1"><b>bold</b> What about Haiti?', 0)
    user = page.locator('#sqa-chat [data-testid="user"]').first
    assert "<b>bold</b>" in user.inner_text() and user.locator("b, img").count() == 0
    assert page.evaluate("window.sqaPwned") is None
    page.fill("#sqa-question textarea", "why " * 600)
    page.click("#sqa-send")
    error = page.wait_for_selector("#sqa-chat .sqa-error")
    assert "limit is 2,000" in error.inner_text() and "Traceback" not in page.content()
    ask(page, "Who delivered this statement?", 2)  # still serving, same conversation
