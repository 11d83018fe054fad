"""Writing cells that spreadsheets will open safely."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value) -> str:
    """Text a spreadsheet would run as a formula is prefixed with a quote; None becomes ""."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
