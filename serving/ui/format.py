"""Numbers for people: thousands separators, currency, percentages, signed changes.

Registered as Jinja filters; the raw values stay in data attributes and exports.
"""

from __future__ import annotations

import math
from typing import Any

CURRENCY = "$"
"""Symbol put before money figures (the demo data and the API carry no currency code)."""
MISSING = "—"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def num(value: Any, digits: int = 0) -> str:
    """12345.6 -> '12,346' (or with `digits` decimals)."""
    number = _number(value)
    return MISSING if number is None else f"{number:,.{digits}f}"


def signed(value: Any, digits: int = 0) -> str:
    """A change with its sign: '+1,234', '−56'."""
    number = _number(value)
    if number is None:
        return MISSING
    text = f"{abs(number):,.{digits}f}"
    if round(number, digits) == 0:
        return text
    return ("+" if number > 0 else "\u2212") + text


def money(value: Any, digits: int = 0) -> str:
    """12345.6 -> '$12,346'; negatives as '−$56'."""
    number = _number(value)
    if number is None:
        return MISSING
    sign = "\u2212" if round(number, digits) < 0 else ""
    return f"{sign}{CURRENCY}{abs(number):,.{digits}f}"


def signed_money(value: Any, digits: int = 0) -> str:
    """A money change with its sign: '+$1,234', '−$56'."""
    number = _number(value)
    if number is None:
        return MISSING
    if round(number, digits) == 0:
        return money(0.0, digits)
    return ("+" if number > 0 else "\u2212") + money(abs(number), digits)


def _percent(value: Any) -> float | None:
    """A fraction as a number of percent (None when it is no number)."""
    number = _number(value)
    return None if number is None else number * 100


def _with_unit(text: str, unit: str) -> str:
    """A formatted figure with its unit after it; MISSING stays bare."""
    return text if text == MISSING else text + unit


def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: 0.123 -> '12.3%'."""
    return _with_unit(num(_percent(value), digits), "%")


def pct_points(value: Any, digits: int = 1) -> str:
    """A number already in percent: -5 -> '−5.0%'."""
    return _with_unit(signed(value, digits), "%")


def points(value: Any, digits: int = 1) -> str:
    """A change of a fraction in percentage points: 0.021 -> '+2.1 pts'."""
    return _with_unit(signed(_percent(value), digits), " pts")


def when(value: Any) -> str:
    """An ISO timestamp to the minute: '2027-01-04T09:30:12+00:00' -> '2027-01-04 09:30 UTC'."""
    if not value:
        return MISSING
    text = str(value)
    zone = " UTC" if text.endswith(("+00:00", "Z")) else ""
    return text[:16].replace("T", " ") + zone


FILTERS = {
    "num": num,
    "signed": signed,
    "money": money,
    "signed_money": signed_money,
    "pct": pct,
    "pct_points": pct_points,
    "points": points,
    "when": when,
}
