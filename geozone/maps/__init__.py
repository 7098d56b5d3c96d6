"""Maps of coordination agreements: interactive HTML for the intranet, static slide maps, and
PowerPoint decks.

=============================  ===============================================================
:func:`interactive`            folium map: units, shared boundaries, strips, junctions,
                               incidents, patrols, legend; opens offline
:func:`save_html`              write it as one self-contained HTML file (no network needed)
:func:`static`                 matplotlib slide map (16:9), Vietnamese labels, legend, scale
                               bar, north arrow, locator inset, attribution
:func:`save_figure`            PNG at the exact pixel size, SVG/PDF with text kept as text
:func:`agreement_deck`         a PowerPoint deck: title, map, pairs table, incident counts
=============================  ===============================================================

The look (palette, fonts, legend words) lives in :mod:`geozone.maps.style`.
"""

from geozone.maps.interactive import interactive, render_html, save_html
from geozone.maps.slides import agreement_deck
from geozone.maps.static import save_figure, static, static_transition

__all__ = [
    "agreement_deck",
    "interactive",
    "render_html",
    "save_figure",
    "save_html",
    "static",
    "static_transition",
]
