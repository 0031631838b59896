"""A meta-analytic-predictive prior: the fitted mixture, its robust version, ESS and conflict."""

from __future__ import annotations

from dataclasses import dataclass

from bayesmeta.trial.beta_mixture import BetaMixture
from bayesmeta.trial.conflict import Conflict, check_counts, prior_data_conflict
from bayesmeta.trial.ess import ess_all, ess_elir_logit
from bayesmeta.trial.fitting import FitQuality, fit_beta_mixture
from bayesmeta.trial.robust import check_weight, robustify
from bayesmeta.trial.source import MapSource


@dataclass(frozen=True)
class MapPrior:
    """The MAP prior of a new study's rate.

    Attributes
    ----------
    source : MapSource
        The exact predictive it approximates.
    fitted : BetaMixture
        The Beta mixture fitted to the exact predictive.
    quality : FitQuality
        How well ``fitted`` reproduces the exact predictive.
    mixture : BetaMixture
        The prior to use: ``fitted``, robustified when ``robust_weight`` is set.
    robust_weight : float or None
        Weight of the vague component.
    ess : dict
        ESS of ``mixture`` by method (elir, moment, morita).
    ess_map : dict
        ESS of ``fitted`` (the MAP mixture before robustification).
    conflict : Conflict or None
        Prior-data conflict of a new trial's data against ``mixture``.
    ess_logit : float or None
        ELIR ESS of the exact predictive on the logit scale (no mixture fit).
    """

    source: MapSource
    fitted: BetaMixture
    quality: FitQuality
    mixture: BetaMixture
    robust_weight: float | None
    ess: dict
    ess_map: dict
    conflict: Conflict | None
    ess_logit: float | None = None

    @property
    def warnings(self) -> list[str]:
        """Caveats of the ESS numbers (a negative or undefined Beta-mixture ELIR).

        Returns
        -------
        list of str
        """
        out = []
        for label, ess in (("the MAP mixture", self.ess_map), ("the prior", self.ess)):
            elir = ess.get("elir")
            if elir is None or elir < 0:
                shown = "undefined" if elir is None else f"{elir:.2f}"
                logit = "" if self.ess_logit is None else f" ({self.ess_logit:.1f})"
                out.append(
                    f"ESS elir of {label} is {shown}: the Beta-mixture ELIR is unreliable for this "
                    f"small binomial MAP (RBesT issue #22); use predictive.ess_elir_logit{logit}"
                )
        return list(dict.fromkeys(out))

    def to_dict(self) -> dict:
        """JSON form (keys ``mixture``, ``ess``, ``fit_quality`` and, with new data, ``conflict``).

        Returns
        -------
        dict
            Also prior_for, k, model, predictive (exact summaries), components and, when robustified, robust, map_mixture and map_ess.
        """
        exact = self.source.mixture
        lo, med, hi = exact.ppf([0.025, 0.5, 0.975])
        mean, var = exact.moments()
        out = {
            "prior_for": self.source.label,
            "k": self.source.k,
            "model": self.source.model,
            "predictive": {
                "mean": mean,
                "sd": var**0.5,
                "median": float(med),
                "lo": float(lo),
                "hi": float(hi),
                "ess_elir_logit": self.ess_logit,
            },
            "mixture": self.mixture.to_records(),
            "ess": dict(self.ess),
            "fit_quality": self.quality.to_dict(),
            "components": self.fitted.size,
        }
        if self.robust_weight is not None:
            vague = self.mixture.to_records()[-1]
            out["robust"] = {"weight": self.robust_weight, "a": vague["a"], "b": vague["b"]}
            out["map_mixture"] = self.fitted.to_records()
            out["map_ess"] = dict(self.ess_map)
        if self.conflict is not None:
            out["conflict"] = self.conflict.to_dict()
        out["warnings"] = self.warnings
        return out


def derive_map(
    source: MapSource,
    *,
    components: int | None = None,
    robust: float | None = None,
    robust_mean: float | str = 0.5,
    new_events: int | None = None,
    new_total: int | None = None,
) -> MapPrior:
    """Fit, robustify, measure and check a MAP prior.

    Parameters
    ----------
    source : MapSource
        From :func:`bayesmeta.trial.map_source`.
    components : int, optional
        Number of Beta components (automatic, up to 4, when omitted).
    robust : float, optional
        Weight of the vague component, in [0, 1].
    robust_mean : float or "map", default 0.5
        Mean of the vague component (0.5: Beta(1, 1); "map": the MAP mean).
    new_events, new_total : int, optional
        A new trial's data for the prior-data conflict check.

    Returns
    -------
    MapPrior
    """
    from bayesmeta.errors import InputError

    if (new_events is None) != (new_total is None):
        raise InputError("--new-events and --new-total go together")
    if new_events is not None:
        check_counts(new_events, new_total)
    if robust is not None:
        check_weight(robust)
    fitted, quality = fit_beta_mixture(source.mixture, components=components)
    mixture = fitted if robust is None else robustify(fitted, weight=robust, mean=robust_mean)
    ess_map = ess_all(fitted)
    conflict = None
    if new_events is not None:
        conflict = prior_data_conflict(mixture, events=new_events, total=new_total)
    return MapPrior(
        source=source,
        fitted=fitted,
        quality=quality,
        mixture=mixture,
        robust_weight=None if robust is None else float(robust),
        ess=ess_map if robust is None else ess_all(mixture),
        ess_map=ess_map,
        conflict=conflict,
        ess_logit=ess_elir_logit(source.mixture),
    )
