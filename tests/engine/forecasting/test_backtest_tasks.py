"""The backtester splits its work into tasks (series chunks for local models, one task per
window and one for the final fit for global ones) and puts the pieces back exactly: the same
forecasts as one fit of each model over the whole panel, sequential or in parallel."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core.parallel import Runner
from engine.forecasting.backtest import Backtester, _fit_predict
from engine.forecasting.windows import make_windows
from models.forecasting.catalog import candidate_specs, is_global
from tests.engine.forecasting.test_combinations import monthly_panel


@pytest.mark.parametrize("runner", [Runner(), Runner(n_jobs=2, backend="threading")])
def test_split_tasks_give_the_whole_panel_forecasts(runner: Runner) -> None:
    panel = monthly_panel(n_series=12)
    windows = make_windows(panel.n_periods, panel.freq, 3)
    specs = candidate_specs("naive,theta,gbm,window_gbm")
    assert any(is_global(n) for n in specs)  # a global model's split is under test
    got = Backtester(runner).run("bottom", panel, specs, windows, final_horizon=7)
    for name, spec in specs.items():
        whole_bt, whole_final = _fit_predict(spec, panel, windows, 7)
        np.testing.assert_allclose(got[name][0], whole_bt, rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(got[name][1], whole_final, rtol=1e-12, err_msg=name)
        assert np.abs(got[name][0]).sum() > 0 and np.abs(got[name][1]).sum() > 0
