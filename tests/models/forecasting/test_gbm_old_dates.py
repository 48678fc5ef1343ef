"""GlobalGBM on series that stopped long before the panel's end (real M3 yearly data has them).

Aligned to their own end, such a series' real dates can fall before pandas' first timestamp
(1677); it takes the calendar terms of the same dates 400 years on, which are the same terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel, align_ends
from models.forecasting.global_gbm import GlobalGBM, _calendar, _series_calendar


def old_panel() -> Panel:
    dates = pd.date_range("1680-01-01", periods=132, freq="MS")
    rng = np.random.default_rng(0)
    values = 100 + rng.normal(0, 5, (2, 132))
    values[1, 24:] = np.nan  # B stops at 1681-12: aligned, its first month is 1671-01
    index = pd.DataFrame({"series": ["A", "B"]})
    return Panel(index, dates, values, "M")


def test_a_series_whose_real_dates_start_before_1677_is_fitted_and_forecast() -> None:
    panel = align_ends(old_panel())
    assert int(np.max(panel.shift)) == 108
    forecast = GlobalGBM(n_estimators=20).fit(panel).predict(3)
    assert forecast.shape == (2, 3) and np.isfinite(forecast).all() and (forecast > 0).all()


def test_its_calendar_terms_are_those_of_its_real_months() -> None:
    panel = align_ends(old_panel())
    shift = np.asarray(panel.shift, dtype=int)
    terms = _series_calendar(panel.dates[0], panel.n_periods, "M", shift)
    real_b = pd.date_range("2071-01-01", periods=panel.n_periods, freq="MS")  # 1671 + 400 years
    np.testing.assert_allclose(terms[1], _calendar(real_b, "M"))
    assert list(terms[1][:13, -1]) == [*range(1, 13), 1]  # month of the year: Jan 1671 onwards
    np.testing.assert_allclose(terms[0], _calendar(panel.dates, "M"))
