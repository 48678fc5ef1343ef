"""Property test over the data contract (issue 10, mechanism): awkward files in, right or refused.

Random column names, date formats (stated or not), frequencies, gaps, partial last periods,
tiny, constant and all-zero series go through `lodestar forecast --models baseline`. Each run
either refuses with exit 2 and one line naming the field we expect, or writes forecasts for
exactly the expected series, dated on the data's own grid after each series' history, non-
negative and with lo_95 <= lo_80 <= mean <= hi_80 <= hi_95.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine.core.contracts.columns import CONTRACT_NAMES
from tests.training.cli_runs import run_cli

STEPS = {
    "W": pd.DateOffset(weeks=1),
    "M": pd.DateOffset(months=1),
    "Q": pd.DateOffset(months=3),
    "Y": pd.DateOffset(years=1),
}
FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%b %d %Y"]
ORDER_AMBIGUOUS = {"%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y"}
BANDS = ["lo_95", "lo_80", "mean", "hi_80", "hi_95"]


@dataclass
class Case:
    """A generated history file and what a correct answer looks like."""

    frame: pd.DataFrame
    date_col: str
    units_col: str
    key_col: str
    fmt: str
    state_format: bool
    declare_keys: bool
    freq: str
    horizon: int
    dates: dict[str, list[pd.Timestamp]]

    def __repr__(self) -> str:
        options = f"format={self.fmt} stated={self.state_format} keys={self.declare_keys}"
        return f"Case({self.freq}, horizon={self.horizon}, {options})\n{self.frame.to_csv()}"

    def ambiguous(self) -> bool:
        every = [d for ds in self.dates.values() for d in ds]
        return (
            self.fmt in ORDER_AMBIGUOUS
            and all(d.day <= 12 for d in every)
            and any(d.day != d.month for d in every)
        )

    def single_dates(self) -> bool:
        return all(len(ds) == 1 for ds in self.dates.values())


names = (
    st.text(
        alphabet=st.sampled_from(
            list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéß_ 0123456789")
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(
        lambda n: (
            n != ""
            and n not in CONTRACT_NAMES
            and not n.startswith(("promo_", "comp_price_", "Unnamed"))
            and not n[0].isdigit()
        )
    )
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    date_col, units_col, key_col = draw(
        st.lists(names, min_size=3, max_size=3, unique_by=str.lower)
    )
    freq = draw(st.sampled_from(list(STEPS)))
    step = STEPS[freq]
    year = draw(st.integers(1995, 2020))
    if freq == "W":
        start = pd.Timestamp(year, 1, 1) + pd.Timedelta(days=draw(st.integers(0, 300)))
    else:
        start = pd.Timestamp(year, draw(st.integers(1, 12)), 1)
    total = draw(st.integers(2, 36))
    n_series = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    rows, dates = [], {}
    for s in range(n_series):
        first = draw(st.integers(0, total - 1))
        last = draw(st.integers(first, total - 1)) if s else total - 1
        kind = draw(st.sampled_from(["noise", "constant", "zero", "trend"]))
        keep = [
            t
            for t in range(first, last + 1)
            if t in (first, last) or rng.random() > 0.15  # a few interior gaps
        ]
        level = float(rng.uniform(5, 500))
        for t in keep:
            value = {
                "noise": level * rng.lognormal(0, 0.2),
                "constant": level,
                "zero": 0.0,
                "trend": level * (1 + 0.05 * t),
            }[kind]
            rows.append((f"s{s}x", start + step * t, round(value, 2)))
        dates[f"s{s}x"] = [start + step * t for t in keep]
    frame = pd.DataFrame(rows, columns=["key", "date", "units"])
    if draw(st.booleans()):  # a partial last period: every series reporting in it at 20%
        last_date = frame["date"].max()
        frame.loc[frame["date"] == last_date, "units"] *= 0.2
    fmt = draw(st.sampled_from(FORMATS))
    frame["date"] = frame["date"].dt.strftime(fmt)
    frame = frame.rename(columns={"key": key_col, "date": date_col, "units": units_col})
    order = draw(st.permutations(list(frame.columns)))
    return Case(
        frame[list(order)],
        date_col,
        units_col,
        key_col,
        fmt,
        draw(st.booleans()),
        draw(st.booleans()),
        freq,
        draw(st.integers(1, 8)),
        dates,
    )


def forecast(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[pd.DataFrame | None, int]:
    """Run `lodestar forecast` on the case; check the refusal or the table's contract.

    An ambiguous date column must be refused (field date) unless its format is stated. When
    the frequency cannot be inferred (single dates, mostly gaps) the refusal must ask for
    --freq, and stating it must then work. Returns the table (None after a correct refusal)
    and the periods dropped.
    """
    capsys.readouterr()
    data, out = tmp_path / "history.csv", tmp_path / "forecast.csv"
    out.unlink(missing_ok=True)
    case.frame.to_csv(data, index=False)
    args = ["forecast", "--data", str(data), "--out", str(out), "--models", "baseline"]
    args += ["--horizon", str(case.horizon), "--columns"]
    args += [f"date={case.date_col},units={case.units_col}"]
    if case.state_format:
        args += ["--date-format", case.fmt]
    if case.declare_keys:
        args += ["--keys", case.key_col]
    code, stdout, err = run_cli(args, capsys)
    if case.ambiguous() and not case.state_format:
        assert code == 2 and err.startswith("error [date]: column 'date' has ambiguous dates"), err
        assert err.count("\n") == 1 and not out.exists()
        return None, 0
    if code == 2 and "--freq" in err:
        assert err.startswith(("error [freq]:", "error [date]:")), err
        code, stdout, err = run_cli([*args, "--freq", case.freq], capsys)
    assert code == 0, err
    table = pd.read_csv(out, keep_default_na=False)
    dropped = int("note [partial_last_period]" in stdout)
    last_date = max(d for ds in case.dates.values() for d in ds)
    expected = {k for k, ds in case.dates.items() if not (dropped and min(ds) == last_date)}
    assert set(table[case.key_col].astype(str)) == expected
    values = table[BANDS].to_numpy(dtype=float)
    assert np.isfinite(values).all() and (values >= 0).all()
    step = STEPS[case.freq]
    for key, rows in table.groupby(case.key_col):
        history = case.dates[str(key)]
        got = pd.to_datetime(rows["date"]).tolist()
        # each series from its own last period through `horizon` periods after the data's end
        # (with a partial last period dropped, forecast whole, the end is the same)
        own_last = max(d for d in history if not dropped or d < last_date)
        wanted, end = [own_last + step], last_date + step * case.horizon
        while wanted[-1] < end:
            wanted.append(wanted[-1] + step)
        assert got == wanted
        assert set(got) <= {history[0] + step * k for k in range(400)}  # the data's own grid
    return table, dropped


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(case=cases())
def test_contract_property_right_or_refused(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused naming the field, or forecasts for the right series on the right dates."""
    forecast(case, tmp_path, capsys)


@settings(PROPERTY, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(case=cases())
def test_contract_property_bands_are_ordered(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the file, every forecast row has lo_95 <= lo_80 <= mean <= hi_80 <= hi_95."""
    table, _ = forecast(case, tmp_path, capsys)
    if table is None:
        return
    values = table[BANDS].to_numpy(dtype=float)
    tolerance = 1e-6 * np.maximum(1.0, np.abs(values).max(axis=1))
    assert (np.diff(values, axis=1) >= -tolerance[:, None]).all(), table[BANDS]
