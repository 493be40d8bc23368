"""How the page looks: a built-in theme with system fonts, and CSS that passes WCAG AA in light and dark.

Gradio puts the class `dark` on the page when the OS (or `?__theme=dark`) asks for dark mode; every
colour here has a dark counterpart chosen for at least 4.5:1 contrast against the background it sits
on (checked by axe-core in tests/test_browser.py). The highlight keeps dark text on pale yellow in
both themes, so a quote is readable whatever the page colour.
"""

from __future__ import annotations

import gradio as gr


def theme() -> gr.themes.Base:
    """A built-in theme with system fonts (no web fonts are requested from anywhere), its primary button
    and subdued text darkened to AA contrast (the defaults give white on blue-500, 3.7:1)."""
    base = gr.themes.Default(primary_hue="blue",
                             font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
                             font_mono=["ui-monospace", "Consolas", "monospace"])
    return base.set(button_primary_background_fill="*primary_700", button_primary_background_fill_dark="*primary_700",
                    button_primary_background_fill_hover="*primary_800",
                    button_primary_background_fill_hover_dark="*primary_800",
                    button_primary_text_color="white", button_primary_text_color_dark="white",
                    body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300")


CSS = """
:root { --sqa-link: #1d4ed8; --sqa-muted: #52525b; --sqa-error: #b91c1c; --sqa-accent: #2563eb;
        --sqa-border: #e4e4e7; --sqa-soft: rgba(37, 99, 235, 0.05); --sqa-match: #fef3c7; --sqa-ok: #15803d; }
.dark { --sqa-link: #93c5fd; --sqa-muted: #d4d4d8; --sqa-error: #fca5a5; --sqa-accent: #60a5fa;
        --sqa-border: #3f3f46; --sqa-soft: rgba(96, 165, 250, 0.08); --sqa-match: #422006; --sqa-ok: #86efac; }
.sqa-cite { font-weight: 600; color: var(--sqa-link) !important; text-decoration: none; cursor: pointer;
            padding: 0 1px; }
.sqa-heading { font-weight: 600; font-size: 0.95em; margin: 4px 0; }
.sqa-doc-id { color: var(--sqa-muted); font-size: 0.85em; }
.sqa-cite:hover { text-decoration: underline; }
.sqa-error { color: var(--sqa-error); }
.sqa-note, .sqa-nothing { color: var(--sqa-muted); font-style: italic; }
.sqa-why { color: var(--sqa-muted); }
.sqa-citation { border-left: 4px solid var(--sqa-accent); padding: 6px 12px; background: var(--sqa-soft); }
.sqa-citation-head { font-size: 0.95em; margin-bottom: 4px; }
.sqa-citation mark, .sqa-reading mark { background: #fde68a; color: #1c1917; padding: 0 1px; }
.sqa-sources { padding-left: 0; list-style: none; }
.sqa-source { margin: 8px 0; padding: 6px 8px; border: 1px solid var(--sqa-border); border-radius: 6px; }
.sqa-source blockquote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid var(--sqa-border);
                         font-size: 0.92em; }
.sqa-score { float: right; font-size: 0.85em; color: var(--sqa-muted); }
.sqa-bar { display: inline-block; width: 60px; height: 6px; background: var(--sqa-border); margin-left: 6px;
           border-radius: 3px; }
.sqa-bar span { display: block; height: 6px; background: var(--sqa-accent); border-radius: 3px; }
.sqa-reading { max-height: 560px; overflow-y: auto; padding-right: 6px; }
.sqa-para { margin: 6px 0; padding: 4px 6px; border-radius: 4px; }
.sqa-num { font-weight: 600; color: var(--sqa-link); margin-right: 4px; }
.sqa-match { background: var(--sqa-match); }
.sqa-focus { outline: 2px solid var(--sqa-accent); }
.sqa-docs { width: 100%; border-collapse: collapse; font-size: 0.92em; }
.sqa-docs caption { text-align: left; font-weight: 600; margin-bottom: 4px; }
.sqa-docs th, .sqa-docs td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--sqa-border);
                             vertical-align: top; }
.sqa-docs .sqa-count { text-align: right; }
.sqa-uploads { list-style: none; padding-left: 0; margin: 4px 0; }
.sqa-upload { margin: 2px 0; }
.sqa-failed { color: var(--sqa-error); }
.sqa-added, .sqa-updated { color: var(--sqa-ok); }
button[role="tab"].selected { color: var(--sqa-link) !important; }
"""

# A click on a citation marker (in the chat or the sources panel) asks the server for that paragraph.
HEAD = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a.sqa-cite") : null;
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  window.sqaCiteTarget = (link.getAttribute("href") || "").replace("#cite-", "").replace("-", ":");
  const go = document.getElementById("sqa-cite-go");
  if (go) go.click();
}, true);
</script>"""
