"""Did the change work? Effect estimates at a change point, by interrupted time series.

Layer 0, beside the engine (``qi.charts``): pure functions, polars in, results out; no I/O, no
globals, no UI. ``estimate_effects()`` fits a segmented regression at a change date to every
series in a frame (Wagner et al. 2002), with the model the kind of measure calls for
(``models.py``), and returns one ``Effect`` per series; ``to_frame()`` makes them one row per
series, and ``qi.text.effects.describe()`` writes one in plain English.
"""

from qi.effects.design import IMPACT_MODELS, PARAMETRISATION
from qi.effects.estimate import estimate_effects
from qi.effects.guards import EffectInputError
from qi.effects.models import KINDS
from qi.effects.results import Effect, Estimate, Sensitivity, to_frame

__all__ = [
    "IMPACT_MODELS",
    "KINDS",
    "PARAMETRISATION",
    "Effect",
    "EffectInputError",
    "Estimate",
    "Sensitivity",
    "estimate_effects",
    "to_frame",
]
