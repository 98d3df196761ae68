"""The navigation formulas of STANDARDS.md §1, as pure functions over plain numbers.

Nothing here reads the database or the snapshot: the analysis modules aggregate first and call these on the
aggregates, so the numbers are the same whichever engine did the aggregation. Functions return ``None``
where a formula is undefined (a zero denominator, nothing counted) instead of raising; callers show "—".

- `cagr`: compound annual growth rate, (last / first)^(1 / years) − 1.
- `logistic_fit`: least-squares fit of N(t) = K / (1 + e^(−r(t − t_m))) to cumulative counts and the
  life-cycle stage by N/K against configurable cut-offs (default 10 / 50 / 90 %).
- `concentration`: CR4, CR8 (shares in %) and HHI = Σ s_i² with shares in % (0–10,000).
- `rta`: revealed technological advantage, (P_rk / P_r) / (P_k / P).
- `location_quotient`: the same ratio with local and national totals (区位熵).
- `match_degree`: 匹配度, cosine similarity of industry-output shares and patent shares.
- `incomplete_from` / `is_incomplete_year`: the window (default the last 18 months before the data
  cut-off) in which applications are not yet all published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

STAGES: tuple[str, ...] = ("emerging", "growth", "mature", "saturation")
STAGE_LABELS = {
    "emerging": _("Emerging"),
    "growth": _("Growth"),
    "mature": _("Mature"),
    "saturation": _("Saturation or decline"),
}
DEFAULT_CUTOFFS: tuple[float, float, float] = (10.0, 50.0, 90.0)

FIT_REASONS = {
    "too_few_points": _("Too few years with data to fit a growth curve."),
    "no_growth": _("The cumulative count does not grow, so there is no curve to fit."),
    "did_not_converge": _("The least-squares fit did not converge."),
    "not_identifiable": _(
        "The curve is still accelerating: the data do not show where it levels off, so the ceiling K "
        "cannot be estimated."
    ),
}


def cagr(first: float, last: float, years: float) -> float | None:
    """Compound annual growth rate from `first` to `last` over `years` years, as a fraction (0.1 = 10 %).

    ``None`` when undefined: a first value of zero or less, a negative last value, or no years between.
    """
    if years <= 0 or first <= 0 or last < 0:
        return None
    if last == 0:
        return -1.0
    return float((last / first) ** (1.0 / years) - 1.0)


def stage_for_share(share: float, cutoffs: Sequence[float] = DEFAULT_CUTOFFS) -> str:
    """Life-cycle stage for N/K (a fraction): below cutoffs[0] % emerging, below [1] growth, below [2]
    mature, otherwise saturation/decline."""
    percent = share * 100.0
    for stage, cutoff in zip(STAGES, cutoffs, strict=False):
        if percent < cutoff:
            return stage
    return STAGES[-1]


@dataclass(frozen=True)
class LogisticFit:
    """Result of `logistic_fit`. When ``converged`` is false, K, r, t_m, share and stage are ``None`` and
    ``reason`` is one of `FIT_REASONS`; the raw curve is still the caller's to show."""

    converged: bool
    k: float | None = None
    r: float | None = None
    t_m: float | None = None
    share: float | None = None
    stage: str | None = None
    r_squared: float | None = None
    reason: str | None = None

    @property
    def message(self) -> str:
        """The reason in the user's language ('' when the fit converged)."""
        return str(FIT_REASONS[self.reason]) if self.reason else ""

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage]) if self.stage else ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["message"] = self.message
        data["stage_label"] = self.stage_label
        return data

    def predict(self, t: float) -> float | None:
        """N(t) of the fitted curve (``None`` when not converged)."""
        if not self.converged or self.k is None or self.r is None or self.t_m is None:
            return None
        return _logistic(t, self.k, self.r, self.t_m)


def _logistic(t: float, k: float, r: float, t_m: float) -> float:
    z = -r * (t - t_m)
    if z > 700:
        return 0.0
    return k / (1.0 + math.exp(z))


def logistic_fit(
    years: Sequence[float],
    cumulative_counts: Sequence[float],
    *,
    cutoffs: Sequence[float] = DEFAULT_CUTOFFS,
    min_points: int = 5,
    max_k_factor: float = 50.0,
    max_iterations: int = 5000,
) -> LogisticFit:
    """Fit N(t) = K / (1 + e^(−r(t − t_m))) to cumulative counts by least squares.

    K is bounded below by the largest count and above by ``max_k_factor`` times it; a fit that ends at that
    upper bound means the data show no levelling off (``not_identifiable``). The stage is that of the last
    observed N against K. Non-convergence is a result with ``converged=False`` and a reason, never an
    exception; only inputs of different lengths raise ``ValueError``.
    """
    import numpy as np
    from scipy.optimize import curve_fit

    if len(years) != len(cumulative_counts):
        raise ValueError("years and cumulative_counts must have the same length")
    pairs = sorted(
        (float(y), float(n))
        for y, n in zip(years, cumulative_counts, strict=True)
        if math.isfinite(float(y)) and math.isfinite(float(n))
    )
    if len(pairs) < max(min_points, 3):
        return LogisticFit(converged=False, reason="too_few_points")
    t = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    top = float(n.max())
    if top <= 0 or float(n.max() - n.min()) <= 0:
        return LogisticFit(converged=False, reason="no_growth")
    if int(np.count_nonzero(np.diff(n) > 0)) < 2:
        return LogisticFit(converged=False, reason="too_few_points")

    origin = float(t[0])
    x = t - origin
    y = n / top  # scaled so K is of order 1
    span = float(x[-1]) if x[-1] > 0 else 1.0
    k_hi = float(max_k_factor)
    lower = [1.0, 1e-4, -10.0 * span]
    upper = [k_hi, 20.0, 10.0 * span]

    def model(xv: Any, k: float, r: float, tm: float) -> Any:
        return k / (1.0 + np.exp(np.clip(-r * (xv - tm), -700, 700)))

    best: tuple[float, Any] | None = None
    for k0 in (1.05, 1.5, 3.0):
        for tm0 in (0.5 * span, span, 1.5 * span):
            try:
                params, _cov = curve_fit(
                    model,
                    x,
                    y,
                    p0=[k0, 4.0 / span, tm0],
                    bounds=(lower, upper),
                    method="trf",
                    max_nfev=max_iterations,
                )
            except (RuntimeError, ValueError, FloatingPointError):
                continue
            if not np.all(np.isfinite(params)):
                continue
            sse = float(np.sum((model(x, *params) - y) ** 2))
            if best is None or sse < best[0] - 1e-12:
                best = (sse, params)
    if best is None:
        return LogisticFit(converged=False, reason="did_not_converge")
    sse, params = best
    k_scaled, r, tm = (float(v) for v in params)
    if k_scaled >= k_hi * 0.99:
        return LogisticFit(converged=False, reason="not_identifiable")
    total = float(np.sum((y - y.mean()) ** 2))
    r_squared = 1.0 - sse / total if total > 0 else None
    k = k_scaled * top
    share = float(n[-1]) / k
    return LogisticFit(
        converged=True,
        k=k,
        r=r,
        t_m=tm + origin,
        share=share,
        stage=stage_for_share(share, cutoffs),
        r_squared=r_squared,
    )


class Concentration(NamedTuple):
    """CR4 and CR8 in % of the total; HHI on shares in % (0–10,000). ``None`` when nothing is counted."""

    cr4: float | None
    cr8: float | None
    hhi: float | None


def concentration(counts: Sequence[float]) -> Concentration:
    """Concentration of `counts` (one number per actor, any order): shares are of the sum of `counts`."""
    values = sorted((float(c) for c in counts if c and c > 0), reverse=True)
    total = sum(values)
    if total <= 0:
        return Concentration(None, None, None)
    shares = [100.0 * v / total for v in values]
    return Concentration(
        cr4=min(sum(shares[:4]), 100.0),
        cr8=min(sum(shares[:8]), 100.0),
        hhi=min(sum(s * s for s in shares), 10_000.0),
    )


def _ratio_of_ratios(part: float, whole: float, ref_part: float, ref_whole: float) -> float | None:
    if whole <= 0 or ref_whole <= 0 or ref_part <= 0 or part < 0:
        return None
    return (part / whole) / (ref_part / ref_whole)


def rta(p_rk: float, p_r: float, p_k: float, p: float) -> float | None:
    """Revealed technological advantage of region r in technology k: (P_rk / P_r) / (P_k / P).

    P_rk: patents of r in k; P_r: all patents of r; P_k: patents in k across regions; P: all patents.
    Above 1 the region is specialised in k. ``None`` when a denominator is zero.
    """
    return _ratio_of_ratios(p_rk, p_r, p_k, p)


def location_quotient(
    local_k: float, local_total: float, national_k: float, national_total: float
) -> float | None:
    """Location quotient (区位熵) of industry k: its local share over its national share."""
    return _ratio_of_ratios(local_k, local_total, national_k, national_total)


def match_degree(industry_shares: Mapping[str, float], patent_shares: Mapping[str, float]) -> float | None:
    """匹配度: cosine similarity of the two share vectors over the union of their industries.

    Between 0 and 1 for non-negative shares (1: patents spread over industries exactly like output);
    independent of the scale of either vector. ``None`` when either vector is all zero.
    """
    keys = sorted(set(industry_shares) | set(patent_shares))
    a = [float(industry_shares.get(k, 0.0)) for k in keys]
    b = [float(patent_shares.get(k, 0.0)) for k in keys]
    # divide by the largest entry first so tiny or huge shares neither underflow nor overflow
    scale_a = max((abs(v) for v in a), default=0.0)
    scale_b = max((abs(v) for v in b), default=0.0)
    if scale_a == 0 or scale_b == 0:
        return None
    a = [v / scale_a for v in a]
    b = [v / scale_b for v in b]
    norm_a = math.sqrt(sum(v * v for v in a))
    norm_b = math.sqrt(sum(v * v for v in b))
    if norm_a == 0 or norm_b == 0:
        return None
    value = sum(x * y for x, y in zip(a, b, strict=True)) / (norm_a * norm_b)
    return max(-1.0, min(1.0, value))


def incomplete_from(cutoff: date, months: int = 18) -> date:
    """First day of the incomplete window: `months` months before the data cut-off (day clamped)."""
    month_index = cutoff.year * 12 + (cutoff.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (cutoff.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def is_incomplete_year(year: int, cutoff: date, months: int = 18) -> bool:
    """True when any part of `year` lies inside the incomplete window (or after the cut-off)."""
    if months <= 0:
        return year > cutoff.year
    return date(year, 12, 31) >= incomplete_from(cutoff, months)
