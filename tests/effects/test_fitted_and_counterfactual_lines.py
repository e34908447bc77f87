"""The lines an effect chart draws: the fitted model at every point it used, and the
counterfactual (the earlier trend continued), checked against statsmodels fitted by hand."""

import numpy as np
import pytest
import statsmodels.api as sm

from qi.effects import estimate_effects

from .series import continuous, counts, wagner_design


def test_continuous_fitted_values_are_ols_and_the_counterfactual_drops_the_change_terms():
    data = continuous(count=40, change_index=20)
    X = wagner_design(40, 20)
    fit = sm.OLS(data["value"].to_numpy(), X).fit()
    (found,) = estimate_effects(data, value="value", period="month", change=data["month"][20])
    assert found.fitted is not None and found.counterfactual is not None
    np.testing.assert_allclose(found.fitted, fit.fittedvalues, rtol=1e-9)
    without = X.copy()
    without[:, 2:4] = 0.0
    np.testing.assert_allclose(found.counterfactual, without @ fit.params, rtol=1e-9)
    np.testing.assert_allclose(found.counterfactual[:20], found.fitted[:20])


def test_a_rate_s_lines_are_per_multiplier_people_with_the_seasons():
    data = counts(count=48)
    (found,) = estimate_effects(
        data,
        value="admissions",
        denominator="population",
        kind="rate",
        period="month",
        change=data["month"][24],
        multiplier=1000,
        harmonics=1,
    )
    X = wagner_design(48, 24, harmonics=1)
    offset = np.log(data["population"].to_numpy())
    fit = sm.GLM(data["admissions"].to_numpy(), X, family=sm.families.Poisson(), offset=offset)
    beta = fit.fit().params
    assert found.fitted is not None and found.counterfactual is not None
    np.testing.assert_allclose(found.fitted, 1000 * np.exp(X @ beta), rtol=1e-6)
    twelve_on = found.fitted[36] - found.counterfactual[36]
    assert twelve_on == pytest.approx(found.difference.estimate, rel=1e-6)
