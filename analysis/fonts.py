"""The bundled CJK font: its file (charts draw with it), and the subset of it a report page embeds, so Chinese
reads on machines without CJK fonts."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import mplfonts
from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Report CJK"


def cjk_font_file() -> Path:
    """The Noto Sans CJK SC font file that the mplfonts package ships."""
    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def subset_font(text: str) -> bytes:
    """The bundled Noto Sans CJK SC cut down to the characters of `text` (OpenType bytes)."""
    font = TTFont(str(cjk_font_file()), lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_style(pages: list[str]) -> str:
    """One <style> with an @font-face holding every CJK character of the pages ('' when there is none)."""
    wide = {ch for page in pages for ch in page if ord(ch) > 0x2E7F}
    if not wide:
        return ""
    data = base64.b64encode(subset_font("".join(wide))).decode("ascii")
    return (
        f'<style>@font-face{{font-family:"{FAMILY}";src:url(data:font/otf;base64,{data}) format("opentype");}}'
        # The subset first: it holds only Chinese characters, so Latin text falls through to the page's fonts;
        # listed after a system font, Chromium drew some Chinese characters as empty boxes.
        f'body,body *:not(code):not(pre):not(kbd){{font-family:"{FAMILY}",var(--jp-content-font-family,'
        f"system-ui),sans-serif;}}</style>"
    )


def embed(page: str, style: str) -> str:
    """The page with `style` added at the end of its head."""
    return page.replace("</head>", style + "</head>", 1)
