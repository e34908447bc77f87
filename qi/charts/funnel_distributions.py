"""The distribution functions funnel limits need, as R computes them, on numpy arrays.

Thin typed wrappers around ``scipy.special``: the normal quantile (R's ``qnorm``), chi-squared
quantiles halved (R's ``qchisq(p, 2x) / 2``, which is a gamma quantile) and the Poisson tails.
Each says which R expression it stands for, so the callers read like the packages they follow.
scipy is imported on first use, so importing the engine (every ``qi`` command) stays quick.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def _special() -> Any:
    """``scipy.special``, imported on first use (untyped)."""
    from scipy import special

    return special


def _floats(value: object) -> Floats:
    return np.asarray(value, dtype=np.float64)


def normal_quantile(p: float | Floats) -> Floats:
    """``qnorm(p)``."""
    return _floats(_special().ndtri(p))


def half_chisq_lower(p: float | Floats, shape: Floats) -> Floats:
    """``qchisq(p, 2 * shape) / 2``: the gamma quantile with lower tail ``p``; 0 for shape 0
    (R: a chi-squared with 0 degrees of freedom is 0)."""
    shape = _floats(shape)
    safe = np.where(shape > 0, shape, 1.0)
    return np.where(shape > 0, _floats(_special().gammaincinv(safe, p)), 0.0)


def half_chisq_upper(p: float | Floats, shape: Floats) -> Floats:
    """``qchisq(p, 2 * shape, lower.tail = FALSE) / 2``: the gamma quantile with upper tail
    ``p``; 0 for shape 0."""
    shape = _floats(shape)
    safe = np.where(shape > 0, shape, 1.0)
    return np.where(shape > 0, _floats(_special().gammainccinv(safe, p)), 0.0)


def poisson_at_most(count: Floats, mean: Floats) -> Floats:
    """P(K <= count) for K ~ Poisson(mean)."""
    return _floats(_special().gammaincc(_floats(count) + 1.0, mean))


def poisson_at_least(count: Floats, mean: Floats) -> Floats:
    """P(K >= count) for K ~ Poisson(mean); 1 for count 0."""
    count = _floats(count)
    safe = np.where(count > 0, count, 1.0)
    return np.where(count > 0, _floats(_special().gammainc(safe, mean)), 1.0)
