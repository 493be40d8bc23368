"""The bundled default corpus: the Zhang Jun statement of 7 December 2023, as saved from the web page."""

from __future__ import annotations

from pathlib import Path

BUNDLED_SPEECH = Path(__file__).with_name("zhang-jun-unsc-transnational-organized-crime-2023-12-07.txt")
BUNDLED_DOC_ID = "zhang-jun-unsc-transnational-organized-crime-2023-12-07"
