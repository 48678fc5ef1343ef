"""`lodestar models show sales`: the per-series choice saved with the run, and why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.settings import get_settings
from training.cli.app import main
from training.forecasting.job import train_forecast

SELECTION = "naive,seasonal_naive,theta,dotm,auto_ces,scum"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_models_show_prints_and_writes_each_series_choice(
    store, settings, demo_paths, tmp_path, monkeypatch, capsys
) -> None:
    result = train_forecast(store, demo_paths["sales"], selection=SELECTION, n_windows=2)
    monkeypatch.setenv("LODESTAR_HOME", str(settings.home))
    get_settings.cache_clear()
    try:
        out_file = tmp_path / "choice.csv"
        code, out, err = run(["models", "show", "sales", "--out", str(out_file)], capsys)
        assert code == 0, err
        table = pd.read_csv(out_file)
        code, _, err = run(["models", "show", "leads"], capsys)
        assert code == 2 and "sales family only" in err
    finally:
        get_settings.cache_clear()
    sales = pd.read_csv(demo_paths["sales"])
    assert len(table) == sales.groupby(["region", "store", "product"]).ngroups
    assert f"sales v{result.version}: {len(table)} series" in out
    names = SELECTION.split(",")
    assert set(table["model"]) <= set(names)
    # the saved score is the chosen candidate's own backtest MASE column, for every series
    own = table.apply(lambda r: r[f"mase.{r['model']}"], axis=1)
    np.testing.assert_allclose(table["backtest_mase"], own)
    expected_kind = np.where(table["model"] == "scum", "combination", "single")
    assert (table["kind"] == expected_kind).all()
    # the runner-up is the best other candidate by backtest MASE
    scores = table[[f"mase.{n}" for n in names]].to_numpy()
    chosen = np.array([names.index(m) for m in table["model"]])
    scores[np.arange(len(table)), chosen] = np.inf
    np.testing.assert_allclose(table["runner_up_mase"], scores.min(axis=1))
    for model, count in table["model"].value_counts().items():
        assert any(line.split()[:1] == [model] and str(count) in line for line in out.splitlines())
