"""One colour per stance, shared by the app's grid and the Excel/Word exports, so they read alike."""

from __future__ import annotations

# Light fills that keep black text readable; the same hues as a spreadsheet's conditional formats.
STANCE_COLOURS: dict[str, str] = {
    "tillstyrker": "C6EFCE",  # green
    "tillstyrker_delvis": "FFEB9C",  # yellow
    "avstyrker": "FFC7CE",  # red
    "synpunkter": "DDEBF7",  # blue
    "ej_berört": "F2F2F2",  # grey
}

# Short labels for narrow grid cells; the full ones are STANCE_LABELS_SV.
STANCE_SHORT_SV: dict[str, str] = {
    "tillstyrker": "Tillstyrker",
    "tillstyrker_delvis": "Delvis",
    "avstyrker": "Avstyrker",
    "synpunkter": "Synpunkter",
    "ej_berört": "–",
}
