"""Each model against a hand calculation with statsmodels on small fixed data: the design built
by hand (Wagner et al. 2002 parametrisation), the model fitted by statsmodels, and qi's effects,
intervals and counterfactual differences read off the same numbers."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from qi.effects import estimate_effects, fitting
from qi.effects.constants import Z, newey_west_lags

from .series import CHANGE, continuous, counts, proportions, wagner_design

# statsmodels warns when asked only to evaluate (maxiter=0) at qi's estimates.
pytestmark = pytest.mark.filterwarnings("ignore:Maximum Likelihood optimization failed")


def wald(estimate: float, se: float) -> tuple[float, float]:
    return estimate - Z * se, estimate + Z * se


def newey_west_for_short_series(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The documented estimator by hand, from statsmodels' OLS fit and influence measures."""
    fit = sm.OLS(y, X).fit()
    n, k = X.shape
    e = fit.resid
    hat = X @ np.linalg.inv(X.T @ X) @ X.T
    leverage = fit.get_influence().hat_matrix_diag
    rho = np.sum(e[1:] * e[:-1]) / np.sum(e**2) + np.trace(hat, offset=1) / (n - k)
    rho = np.clip(rho, -0.97, 0.97)
    scores = X * (e / (1 - leverage))[:, None]
    whitened = scores[1:] - rho * scores[:-1]
    u = e[1:] - rho * e[:-1]
    r = np.clip(np.sum(u[1:] * u[:-1]) / np.sum(u**2), -0.97, 0.97)
    alpha = 4 * r**2 / ((1 - r) ** 6 * (1 + r) ** 2)
    lags = min(int(1.1447 * (alpha * n) ** (1 / 3)), newey_west_lags(n))
    meat = whitened.T @ whitened
    for lag in range(1, lags + 1):
        cross = whitened[lag:].T @ whitened[:-lag]
        meat += (1 - lag / (lags + 1)) * (cross + cross.T)
    bread = np.linalg.inv(X.T @ X)
    return fit.params, bread @ (meat / (1 - rho) ** 2) @ bread, lags


def test_continuous_level_and_slope_changes_are_ols_coefficients_with_newey_west_errors():
    data = continuous(count=40, change_index=20)
    X = wagner_design(40, 20)
    beta, cov, lags = newey_west_for_short_series(X, data["value"].to_numpy())
    change = data["month"][20]
    (found,) = estimate_effects(data, value="value", period="month", change=change)
    assert found.hac_lags == lags
    assert found.harmonics == 0  # fewer than 24 points before the change
    for effect, column in ((found.level_change, 2), (found.slope_change, 3)):
        se = math.sqrt(cov[column, column])
        assert effect.estimate == pytest.approx(beta[column], rel=1e-10)
        low, high = wald(beta[column], se)
        assert (effect.ci_low, effect.ci_high) == pytest.approx((low, high), rel=1e-9)
        z = beta[column] / se
        assert effect.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-8)
    assert found.trend_before.estimate == pytest.approx(beta[1], rel=1e-10)
    # The immediate difference is the level change; twelve months on, level + 12 x slope.
    assert found.immediate_difference.estimate == pytest.approx(beta[2], rel=1e-10)
    c = np.array([0, 0, 1, 12.0])
    assert found.horizon == 12
    assert found.difference.estimate == pytest.approx(c @ beta, rel=1e-10)
    se = math.sqrt(c @ cov @ c)
    assert (found.difference.ci_low, found.difference.ci_high) == pytest.approx(
        wald(c @ beta, se), rel=1e-9
    )


def test_newey_west_for_short_series_uses_a_bartlett_lag_when_dependence_remains():
    rng = np.random.default_rng(12)
    X = wagner_design(60, 30)
    errors = np.zeros(60)
    for i in range(2, 60):  # AR(2): dependence left after AR(1) prewhitening
        errors[i] = 0.2 * errors[i - 1] + 0.5 * errors[i - 2] + rng.normal()
    y = X @ np.array([10, 0.1, -2, -0.2]) + errors
    beta, cov, lags = newey_west_for_short_series(X, y)
    ours = fitting.ols_newey_west(X[None], y[None])
    assert lags >= 1
    assert ours.extra[0] == lags
    assert ours.beta[0] == pytest.approx(beta, rel=1e-10)
    assert ours.cov[0] == pytest.approx(cov, rel=1e-9)


def test_the_level_change_is_the_jump_at_the_first_point_after_the_change():
    """Wagner's parametrisation: time since the change is 0 at the change, so the level change
    is the immediate effect, not the jump extrapolated back to time 0."""
    data = continuous(count=30, change_index=15, sd=0.0, level=-5.0, slope=-1.0)
    (found,) = estimate_effects(data, value="value", period="month", change=data["month"][15])
    assert found.level_change.estimate == pytest.approx(-5.0)
    assert found.slope_change.estimate == pytest.approx(-1.0)
    assert found.difference.estimate == pytest.approx(-5.0 - 1.0 * 12)


def test_seasonal_fourier_terms_are_harmonics_of_the_calendar_month():
    data = continuous(count=60, change_index=36, seed=3)
    X = wagner_design(60, 36, harmonics=2)
    beta, cov, lags = newey_west_for_short_series(X, data["value"].to_numpy())
    (found,) = estimate_effects(data, value="value", period="month", change=data["month"][36])
    assert found.harmonics == 2  # the default with 24 or more points before the change
    assert found.hac_lags == lags
    assert found.level_change.estimate == pytest.approx(beta[2], rel=1e-9)
    se = math.sqrt(cov[2, 2])
    assert found.level_change.ci_high == pytest.approx(beta[2] + Z * se, rel=1e-9)


def test_a_rate_is_a_quasi_poisson_glm_with_a_log_population_offset_reported_as_rate_ratios():
    data = counts(count=36, change_index=18)
    X = wagner_design(36, 18, harmonics=1)
    y, population = data["admissions"].to_numpy(), data["population"].to_numpy()
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(population)).fit(
        scale="X2", tol=1e-12
    )
    (found,) = estimate_effects(
        data,
        value="admissions",
        denominator="population",
        kind="rate",
        period="month",
        change=data["month"][18],
        harmonics=1,
        multiplier=1000,
    )
    assert found.scale == "rate ratio"
    assert found.dispersion == pytest.approx(fit.scale, rel=1e-8)  # Pearson chi2 / df
    for effect, column in ((found.level_change, 2), (found.slope_change, 3)):
        assert effect.estimate == pytest.approx(math.exp(fit.params[column]), rel=1e-8)
        low, high = wald(fit.params[column], fit.bse[column])
        assert effect.ci_low == pytest.approx(math.exp(low), rel=1e-8)
        assert effect.ci_high == pytest.approx(math.exp(high), rel=1e-8)
    # Twelve months on: the fitted rate per 1,000 minus the earlier trend's, delta method.
    x1 = X[18].copy()
    x1[1] += 12
    x1[3] = 12
    x1[4:] = [np.sin(2 * np.pi * ((18 + 12) % 12) / 12), np.cos(2 * np.pi * ((18 + 12) % 12) / 12)]
    x0 = x1.copy()
    x0[2:4] = 0
    b, V = fit.params, fit.cov_params()
    rate1, rate0 = math.exp(x1 @ b), math.exp(x0 @ b)
    gradient = rate1 * x1 - rate0 * x0
    se = math.sqrt(gradient @ V @ gradient)
    assert found.difference.estimate == pytest.approx(1000 * (rate1 - rate0), rel=1e-8)
    assert found.difference.ci_low == pytest.approx(1000 * (rate1 - rate0 - Z * se), rel=1e-7)
    assert found.units == "per 1,000"


def test_a_count_without_population_is_a_quasi_poisson_glm_without_offset():
    data = counts(count=30, change_index=15)
    X = wagner_design(30, 15)
    fit = sm.GLM(data["admissions"].to_numpy(), X, family=sm.families.Poisson()).fit(
        scale="X2", tol=1e-12
    )
    (found,) = estimate_effects(
        data, value="admissions", kind="count", period="month", change=data["month"][15]
    )
    assert found.level_change.estimate == pytest.approx(math.exp(fit.params[2]), rel=1e-8)
    expected = math.exp(X[15] @ fit.params) - math.exp(X[15, :2] @ fit.params[:2])
    assert found.immediate_difference.estimate == pytest.approx(expected, rel=1e-8)


def test_a_proportion_is_a_quasi_binomial_glm_reported_as_odds_ratios_and_percentage_points():
    data = proportions(count=30, change_index=15)
    X = wagner_design(30, 15)
    seen, eligible = data["seen"].to_numpy(), data["eligible"].to_numpy()
    fit = sm.GLM(seen / eligible, X, family=sm.families.Binomial(), var_weights=eligible).fit(
        scale="X2", tol=1e-12
    )
    (found,) = estimate_effects(
        data,
        value="seen",
        denominator="eligible",
        kind="proportion",
        period="month",
        change=data["month"][15],
    )
    assert found.scale == "odds ratio"
    assert found.level_change.estimate == pytest.approx(math.exp(fit.params[2]), rel=1e-8)
    assert found.level_change.ci_low == pytest.approx(
        math.exp(fit.params[2] - Z * fit.bse[2]), rel=1e-8
    )
    assert found.dispersion == pytest.approx(fit.scale, rel=1e-8)

    def expit(x: float) -> float:
        return 1 / (1 + math.exp(-x))

    p1, p0 = expit(X[15] @ fit.params), expit(X[15, :2] @ fit.params[:2])
    assert found.units == "percentage points"
    assert found.immediate_difference.estimate == pytest.approx(100 * (p1 - p0), rel=1e-8)


def test_the_negative_binomial_second_method_is_statsmodels_nb2_by_maximum_likelihood():
    data = counts(count=40, change_index=20, seed=4)
    X = wagner_design(40, 20)
    y, offset = data["admissions"].to_numpy(), np.log(data["population"].to_numpy())
    ours = fitting.negative_binomial(X[None], y[None], offset[None])
    poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    reference = sm.NegativeBinomial(y, X, offset=offset).fit(
        start_params=np.r_[poisson.params, 0.01], disp=0, method="newton", maxiter=200, tol=1e-12
    )
    assert ours.beta[0] == pytest.approx(reference.params[:-1], rel=1e-6, abs=1e-9)
    assert 1 / ours.extra[0] == pytest.approx(reference.params[-1], rel=1e-5)  # alpha
    # Its covariance is the GLM's at the estimated shape (as MASS::glm.nb reports it).
    glm = sm.GLM(
        y, X, family=sm.families.NegativeBinomial(alpha=1 / ours.extra[0]), offset=offset
    ).fit(tol=1e-12)
    assert ours.cov[0] == pytest.approx(glm.cov_params(), rel=1e-6)


def test_ar1_errors_by_maximum_likelihood_are_the_arima_1_0_0_likelihood_maximised():
    rng = np.random.default_rng(8)
    X = wagner_design(40, 20)
    errors = np.zeros(40)
    for i in range(1, 40):
        errors[i] = 0.5 * errors[i - 1] + rng.normal()
    y = X @ np.array([10, 0.1, -2, -0.2]) + errors
    ours = fitting.ar1_regression(X[None], y[None], restricted=False)
    model = sm.tsa.SARIMAX(y, exog=X, order=(1, 0, 0))
    reference = model.fit(disp=0, maxiter=1000)
    sigma2 = fitting._ar1_profile(X[None], y[None], ours.extra, False)[2]
    ours_loglik = model.loglike(np.r_[ours.beta[0], ours.extra, sigma2])
    assert ours_loglik >= reference.llf - 1e-8  # at least as high: the maximum
    assert ours.beta[0] == pytest.approx(reference.params[:4], abs=2e-3)
    assert ours.extra[0] == pytest.approx(reference.params[4], abs=2e-3)
    # Standard errors: the observed information in (beta, rho, sigma^2) inverted, which
    # statsmodels computes by numerical differences ("approx").
    at_ours = model.fit(
        start_params=np.r_[ours.beta[0], ours.extra, sigma2],
        disp=0,
        maxiter=0,
        cov_type="approx",
    )
    assert np.sqrt(np.diag(ours.cov[0])) == pytest.approx(at_ours.bse[:4], rel=1e-5)


def ar1_restricted_loglik(rho: float, X: np.ndarray, y: np.ndarray) -> float:
    """The REML log-likelihood of a regression with AR(1) errors, from the full correlation
    matrix V (V[i, j] = rho^|i-j| / (1 - rho^2)), with sigma^2 profiled out."""
    n, k = X.shape
    V = rho ** np.abs(np.subtract.outer(np.arange(n), np.arange(n))) / (1 - rho**2)
    Vi = np.linalg.inv(V)
    gram = X.T @ Vi @ X
    beta = np.linalg.solve(gram, X.T @ Vi @ y)
    r = y - X @ beta
    sigma2 = r @ Vi @ r / (n - k)
    return -0.5 * (np.linalg.slogdet(V)[1] + np.linalg.slogdet(gram)[1] + (n - k) * np.log(sigma2))


def test_ar1_errors_by_restricted_maximum_likelihood_maximise_the_reml_likelihood():
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(9)
    X = wagner_design(36, 18)
    errors = np.zeros(36)
    for i in range(1, 36):
        errors[i] = 0.4 * errors[i - 1] + rng.normal()
    y = X @ np.array([10, 0.1, -2, -0.2]) + errors
    ours = fitting.ar1_regression(X[None], y[None])
    best = minimize_scalar(
        lambda r: -ar1_restricted_loglik(r, X, y),
        bounds=(-0.99, 0.99),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert ours.extra[0] == pytest.approx(best.x, abs=1e-6)
    gls = sm.GLS(y, X, sigma=best.x ** np.abs(np.subtract.outer(np.arange(36), np.arange(36))))
    assert ours.beta[0] == pytest.approx(gls.fit().params, rel=1e-5)


def test_ols_with_newey_west_errors_matches_statsmodels_hac_with_the_small_sample_factor():
    rng = np.random.default_rng(2)
    X = wagner_design(24, 12, harmonics=1)
    y = rng.normal(size=24)
    for lags in (0, 1, 2, 5):
        ours = fitting.ols_hac(X[None], y[None], lags)
        reference = sm.OLS(y, X).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}
        )
        assert ours.cov[0] == pytest.approx(reference.cov_params(), rel=1e-9)


def test_the_newey_west_lag_rule():
    assert [newey_west_lags(n) for n in (6, 24, 60, 100, 120)] == [2, 2, 3, 4, 4]


def test_the_delta_method_agrees_with_simulation_from_the_coefficient_covariance():
    """The documented choice: the delta method; simulation gives the same interval here."""
    data = counts(count=48, change_index=24, seed=6)
    (found,) = estimate_effects(
        data,
        value="admissions",
        denominator="population",
        kind="rate",
        period="month",
        change=CHANGE,
        harmonics=0,
    )
    X = wagner_design(48, 24)
    y, offset = data["admissions"].to_numpy(), np.log(data["population"].to_numpy())
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
    draws = np.random.default_rng(0).multivariate_normal(fit.params, fit.cov_params(), 200_000)
    x1 = np.array([1, 36, 1, 12.0])
    x0 = np.array([1, 36, 0, 0.0])
    simulated = np.exp(draws @ x1) - np.exp(draws @ x0)
    delta_se = (found.difference.ci_high - found.difference.ci_low) / (2 * Z)
    assert delta_se == pytest.approx(np.std(simulated), rel=0.05)
    assert found.difference.estimate == pytest.approx(np.median(simulated), rel=0.05)
