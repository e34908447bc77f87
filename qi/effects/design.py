"""The segmented regression's design: which columns a series' model has and their values at any
time, with or without the change.

Time is counted in the period's unit from the series' first point. As in Wagner et al. 2002
(J Clin Pharm Ther 27:299), the change enters as a level term (1 from the first period on or
after the change) and a slope term (time since the change, 0 at that first period), so the level
change is the immediate effect, the difference at the first point after the change, and the
slope change is the change in trend per period. Seasonality enters as Fourier terms of the
position in the calendar year (sine and cosine of 1..K cycles a year).

A controlled design (a generalised linear model fitted to the changed series and a comparison
series together) adds a group indicator (1 for the changed series) and its interactions with
time, level and slope; the effect is then the interaction: how much more the changed series'
level and trend moved than the comparison's.
"""

from dataclasses import dataclass

import numpy as np

from qi.effects.calendar import Array, Unit, season_position

IMPACT_MODELS = {
    "both": "a change in level and a change in trend",
    "level": "a change in level only (the trend runs on as before)",
    "slope": "a change in trend only (no immediate jump)",
}

PARAMETRISATION = (
    "segmented regression with time counted from the change (Wagner et al. 2002): the level "
    "change is the immediate effect, at the first point after the change; the slope change is "
    "the change in trend per period"
)


@dataclass(frozen=True)
class Layout:
    """What one series' design is built from.

    Attributes:
        origin: the clock at time 0 (the series' first period).
        change: the time of the first period on or after the change.
        model: the impact model (``IMPACT_MODELS``): both, level or slope.
        harmonics: Fourier harmonics of the calendar year (0: no seasonal terms).
        unit: the periods' calendar unit.
        controlled: a changed series and its comparison together, with a group indicator.
    """

    origin: float
    change: float
    model: str
    harmonics: int
    unit: Unit
    controlled: bool = False

    @property
    def level(self) -> bool:
        return self.model in ("both", "level")

    @property
    def slope(self) -> bool:
        return self.model in ("both", "slope")

    @property
    def names(self) -> tuple[str, ...]:
        """The design's columns, in order."""
        change = [n for n, used in (("level", self.level), ("slope", self.slope)) if used]
        names = ["intercept", "time", *change]
        for j in range(1, self.harmonics + 1):
            names += [f"sin{j}", f"cos{j}"]
        if self.controlled:
            names += ["group", "group_time", *(f"group_{n}" for n in change)]
        return tuple(names)

    def column(self, name: str) -> int:
        return self.names.index(name)

    @property
    def effect_columns(self) -> dict[str, int]:
        """The columns whose coefficients are the effects: ``level`` and ``slope`` as modelled."""
        prefix = "group_" if self.controlled else ""
        wanted = [n for n, used in (("level", self.level), ("slope", self.slope)) if used]
        return {n: self.column(prefix + n) for n in wanted}

    @property
    def trend_columns(self) -> tuple[int, ...]:
        """The columns whose coefficients sum to the changed series' trend before the change."""
        if self.controlled:
            return (self.column("time"), self.column("group_time"))
        return (self.column("time"),)

    def rows(
        self,
        time: Array,
        group: Array | float = 1.0,
        changed: bool = True,
        seasonal: bool = True,
    ) -> Array:
        """Design rows at ``time`` (and ``group``, when controlled).

        ``changed=False`` leaves out the effect of the change (the counterfactual: the earlier
        trend continued); ``seasonal=False`` leaves out the seasonal terms.
        """
        time = np.asarray(time, dtype=np.float64)
        after = (time >= self.change - 1e-9).astype(np.float64)
        since = np.where(after > 0, time - self.change, 0.0)
        ones = np.ones_like(time)
        change_terms = [
            values for values, used in ((after, self.level), (since, self.slope)) if used
        ]
        own = 1.0 if (changed or self.controlled) else 0.0
        columns = [ones, time, *(own * c for c in change_terms)]
        if self.harmonics:
            angle = 2 * np.pi * season_position(self.origin + time, self.unit)
            for j in range(1, self.harmonics + 1):
                scale = 1.0 if seasonal else 0.0
                columns += [scale * np.sin(j * angle), scale * np.cos(j * angle)]
        if self.controlled:
            g = np.broadcast_to(np.asarray(group, dtype=np.float64), time.shape)
            effect = 1.0 if changed else 0.0
            columns += [g, g * time, *(effect * g * c for c in change_terms)]
        return np.column_stack(columns)
