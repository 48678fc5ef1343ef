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


class RecordingRunner(Runner):
    """A sequential runner that also keeps the tasks it was handed, in order."""

    def map(self, func, tasks, desc=""):  # type: ignore[no-untyped-def]
        self.seen = list(tasks)
        return super().map(func, tasks, desc)


def test_global_fits_are_separate_tasks_queued_before_the_series_chunks() -> None:
    panel = monthly_panel(n_series=12)
    windows = make_windows(panel.n_periods, panel.freq, 3)
    specs = candidate_specs("theta,auto_ets,window_gbm")
    runner = RecordingRunner(n_jobs=2)
    Backtester(runner).run("bottom", panel, specs, windows, final_horizon=7)
    spec_of = {id(spec): name for name, spec in specs.items()}
    names = [spec_of[id(task[0])] for task in runner.seen]
    # window_gbm forecasts every window from one fit: that fit and the final fit are two
    # tasks, so two workers can run them at once, and both come before any series chunk
    assert names[:2] == ["window_gbm", "window_gbm"]
    assert "window_gbm" not in names[2:]
    first, final = runner.seen[:2]
    assert (len(first[2]), first[3]) == (3, 0)  # every window, no final forecast
    assert (len(final[2]), final[3]) == (0, 7)  # no window, the final forecast
    assert set(names[2:]) == {"theta", "auto_ets"} and len(names) > 4
