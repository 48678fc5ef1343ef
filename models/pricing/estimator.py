"""Price-sensitivity estimator: one log-log demand regression per product, jointly reported.

log units = series effect + season + trend + promos + controls + own log price
            + same-category rivals' log prices + competitor log prices
Series fixed effects are absorbed by demeaning within market (the series of one product);
standard errors are clustered by market. Own elasticities are partially pooled toward the
category, and a cross-fitted double-ML estimate of each own elasticity flags confounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.base import BaseEstimator, RegressorMixin

from models.pricing.design import (
    COMP_PREFIX,
    CROSS_PREFIX,
    OWN,
    Layout,
    demean,
    log_price_table,
    price_terms,
    product_design,
)
from models.pricing.dml import dml_effect, robust_cov
from models.pricing.pooling import shrink

Z95 = 1.959963984540054
PROMO_NAMES = ("promo", "feature", "display", "deal")
KEY_NAMES = ("region", "store", "channel")


@dataclass
class ProductFit:
    """One product's fitted demand equation."""

    columns: list[str]
    beta: np.ndarray
    se: np.ndarray
    alpha: dict[str, float]  # market -> intercept (series fixed effect)
    alpha_mean: float
    n_obs: int
    n_markets: int
    price_sd: float  # within-series sd of own log price
    resid_sd: float


@dataclass(eq=False, repr=False)
class PriceSensitivityModel(BaseEstimator, RegressorMixin):
    """Own/cross/competitor price elasticities with clustered CIs, pooling and a DML check.

    fit(frame) takes a validated sales frame (date, product, units, price, optional category,
    market keys, promo flags, comp_price_* columns, declared numeric controls). A product's
    own elasticity is `confounded` when the DML estimate differs from the regression's both
    significantly and by more than `confound_rtol` of its size; `plausible` is False when the
    own elasticity is >= 0, the 95% CI is wider than `max_ci_width`, or n_obs < `min_obs`.
    """

    product: str = "product"
    market_keys: list[str] | None = None
    controls: list[str] | None = None
    fourier_order: int = 3
    trend: bool = True
    include_prices: bool = True
    pooling: bool = True
    dml: bool = True
    dml_learner: RegressorMixin | None = None
    dml_folds: int = 3
    max_ci_width: float = 3.0
    confound_rtol: float = 0.25
    min_obs: int = 30
    random_state: int | None = 0

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: object = None) -> PriceSensitivityModel:
        """Fit every product's demand equation on a sales frame (y is unused: units is in X)."""
        frame = self._prepare(X)
        self.layout_ = self._layout(frame)
        prices = log_price_table(frame, self.layout_)
        self.fill_ = {p: float(np.nanmean(prices[p])) for p in prices.columns}
        positive = frame[frame["units"].to_numpy(dtype=float) > 0]
        self.n_zero_dropped_ = int(len(frame) - len(positive))
        self.products_ = sorted(positive[self.product].astype(str).unique())
        self.fits_: dict[str, ProductFit] = {}
        self.dml_: dict[str, tuple[float, float]] = {}
        for product in self.products_:
            design, markets = product_design(positive, product, self.layout_, prices, self.fill_)
            if not self.include_prices:
                design = design.drop(columns=price_terms(list(design.columns)))
            y_log = np.log(positive.loc[design.index, "units"].to_numpy(dtype=float))
            self.fits_[product] = self._fit_product(design, y_log, markets)
            if self.dml and self.include_prices:
                self.dml_[product] = self._fit_dml(design, y_log, markets)
        self.elasticities_ = self._table()
        return self

    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        frame = X.copy()
        frame["date"] = pd.to_datetime(frame["date"])
        frame[self.product] = frame[self.product].astype(str)
        return frame

    def _layout(self, frame: pd.DataFrame) -> Layout:
        keys = self.market_keys
        if keys is None:
            keys = [k for k in KEY_NAMES if k in frame.columns]
        products = frame[self.product].astype(str)
        if "category" in frame.columns:
            category_of = dict(zip(products, frame["category"].astype(str), strict=True))
        else:
            category_of = dict.fromkeys(products.unique(), "all")
        promos = [c for c in frame.columns if c in PROMO_NAMES or str(c).startswith("promo_")]
        comps = [c for c in frame.columns if str(c).startswith("comp_price_")]
        return Layout(
            product=self.product,
            market_keys=list(keys),
            promo_columns=promos,
            competitor_columns=comps,
            controls=list(self.controls or []),
            category_of=category_of,
            fourier_order=self.fourier_order,
            trend=self.trend,
            origin=frame["date"].min(),
        )

    def _fit_product(
        self, design: pd.DataFrame, y_log: np.ndarray, markets: np.ndarray
    ) -> ProductFit:
        x = design.to_numpy(dtype=float)
        xd, codes, x_means = demean(x, markets)
        yd, _, y_means = demean(y_log, markets)
        keep = xd.std(axis=0) > 1e-9
        columns = [c for c, k in zip(design.columns, keep, strict=True) if k]
        beta = np.zeros(len(columns))
        se = np.full(len(columns), np.nan)
        resid = yd
        if columns and len(yd) > len(columns) + 1:
            fit = sm.OLS(yd, xd[:, keep]).fit(**robust_cov(codes))
            beta, se = np.asarray(fit.params), np.asarray(fit.bse)
            resid = yd - xd[:, keep] @ beta
        uniques = pd.unique(markets)
        alpha_values = y_means - x_means[:, keep] @ beta
        own_sd = float(xd[:, list(design.columns).index(OWN)].std()) if OWN in design else 0.0
        return ProductFit(
            columns=columns,
            beta=beta,
            se=se,
            alpha={str(m): float(a) for m, a in zip(uniques, alpha_values, strict=True)},
            alpha_mean=float(np.average(alpha_values, weights=np.bincount(codes))),
            n_obs=len(yd),
            n_markets=len(uniques),
            price_sd=own_sd,
            resid_sd=float(resid.std()),
        )

    def _fit_dml(
        self, design: pd.DataFrame, y_log: np.ndarray, markets: np.ndarray
    ) -> tuple[float, float]:
        if OWN not in design.columns or len(y_log) < max(self.min_obs, 3 * self.dml_folds):
            return float("nan"), float("nan")
        x = design.to_numpy(dtype=float)
        xd, _, _ = demean(x, markets)
        yd, _, _ = demean(y_log, markets)
        own = list(design.columns).index(OWN)
        if xd[:, own].std() <= 1e-9:
            return float("nan"), float("nan")
        controls = np.delete(xd, own, axis=1)
        return dml_effect(
            yd,
            xd[:, own],
            controls,
            markets,
            self.dml_learner,
            self.dml_folds,
            self.random_state,
        )

    # -- results ------------------------------------------------------------------------------
    def _table(self) -> pd.DataFrame:
        """One row per own elasticity, cross pair and competitor column."""
        rows = []
        for product, fit in self.fits_.items():
            category = self.layout_.category_of.get(product, "all")
            for col, b, s in zip(fit.columns, fit.beta, fit.se, strict=True):
                if col == OWN:
                    kind, other = "own", None
                elif col.startswith(CROSS_PREFIX):
                    kind, other = "cross", col.removeprefix(CROSS_PREFIX)
                elif col.startswith(COMP_PREFIX):
                    kind, other = "competitor", col.removeprefix(COMP_PREFIX)
                else:
                    continue
                rows.append(
                    {
                        "product": product,
                        "cross_product": other,
                        "kind": kind,
                        "category": category,
                        "raw_elasticity": float(b),
                        "raw_se": float(s),
                        "n_obs": fit.n_obs,
                    }
                )
            if self.include_prices and OWN not in fit.columns:
                rows.append(
                    {
                        "product": product,
                        "cross_product": None,
                        "kind": "own",
                        "category": category,
                        "raw_elasticity": float("nan"),
                        "raw_se": float("nan"),
                        "n_obs": fit.n_obs,
                    }
                )
        table = pd.DataFrame(
            rows,
            columns=[
                "product",
                "cross_product",
                "kind",
                "category",
                "raw_elasticity",
                "raw_se",
                "n_obs",
            ],
        )
        table = table.astype({"raw_elasticity": float, "raw_se": float, "n_obs": int})
        table["elasticity"] = table["raw_elasticity"]
        table["se"] = table["raw_se"]
        table["pooled"] = False
        if self.pooling:
            self._pool(table)
        table["lo_95"] = table["elasticity"] - Z95 * table["se"]
        table["hi_95"] = table["elasticity"] + Z95 * table["se"]
        self._add_dml(table)
        table["plausible"] = self._plausible(table)
        order = ["product", "cross_product", "kind", "category", "elasticity", "lo_95", "hi_95"]
        order += ["n_obs", "plausible", "se", "raw_elasticity", "raw_se", "pooled"]
        order += ["dml_elasticity", "dml_lo_95", "dml_hi_95", "confounded"]
        return table[order].reset_index(drop=True)

    def _pool(self, table: pd.DataFrame) -> None:
        own = table["kind"] == "own"
        for _, idx in table[own].groupby("category").groups.items():
            est, se, _, _ = shrink(table.loc[idx, "raw_elasticity"], table.loc[idx, "raw_se"])
            changed = np.isfinite(est)
            table.loc[idx, "elasticity"] = np.where(changed, est, table.loc[idx, "elasticity"])
            table.loc[idx, "se"] = np.where(changed, se, table.loc[idx, "se"])
            table.loc[idx, "pooled"] = changed & ~np.isclose(est, table.loc[idx, "raw_elasticity"])

    def _add_dml(self, table: pd.DataFrame) -> None:
        own = (table["kind"] == "own").to_numpy()
        est = np.full(len(table), np.nan)
        se = np.full(len(table), np.nan)
        for k in np.flatnonzero(own):
            est[k], se[k] = self.dml_.get(table.at[k, "product"], (np.nan, np.nan))
        table["dml_elasticity"] = est
        table["dml_lo_95"] = est - Z95 * se
        table["dml_hi_95"] = est + Z95 * se
        gap = np.abs(table["raw_elasticity"].to_numpy(dtype=float) - est)
        tol = Z95 * np.sqrt(table["raw_se"].to_numpy(dtype=float) ** 2 + se**2)
        material = self.confound_rtol * np.abs(table["raw_elasticity"].to_numpy(dtype=float))
        flagged = (gap > tol) & (gap > material)
        table["confounded"] = np.where(np.isfinite(gap), flagged, False).astype(bool)

    def _plausible(self, table: pd.DataFrame) -> np.ndarray:
        finite = np.isfinite(table["elasticity"]) & np.isfinite(table["se"])
        narrow = (table["hi_95"] - table["lo_95"]) <= self.max_ci_width
        enough = table["n_obs"] >= self.min_obs
        own_ok = (table["kind"] != "own") | (table["elasticity"] < 0)
        return (finite & narrow & enough & own_ok).to_numpy(dtype=bool)

    # -- prediction ---------------------------------------------------------------------------
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected log units per row (NaN for products the model never saw)."""
        frame = self._prepare(X)
        prices = log_price_table(frame, self.layout_)
        out = np.full(len(frame), np.nan)
        position = pd.Series(np.arange(len(frame)), index=frame.index)
        for product in frame[self.product].unique():
            fit = self.fits_.get(product)
            if fit is None:
                continue
            design, markets = product_design(frame, product, self.layout_, prices, self.fill_)
            x = design.reindex(columns=fit.columns).fillna(0.0).to_numpy(dtype=float)
            alpha = np.array([fit.alpha.get(str(m), fit.alpha_mean) for m in markets])
            out[position[design.index].to_numpy()] = alpha + x @ fit.beta
        return out

    def coefficient(self, product: str, column: str) -> tuple[float, float]:
        """(estimate, se) of any regressor in a product's equation; (0, 0) when absent."""
        fit = self.fits_.get(str(product))
        if fit is None or column not in fit.columns:
            return 0.0, 0.0
        k = fit.columns.index(column)
        return float(fit.beta[k]), float(fit.se[k])
