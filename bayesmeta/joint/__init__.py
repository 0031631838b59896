"""Several outcomes per study fitted jointly (issue 20): data, the multivariate GLMM, the
Bayesian joint model, nested response and joint decisions."""

from bayesmeta.joint.columns import OutcomeColumns, parse_outcomes
from bayesmeta.joint.data import JointData, joint_from_csv, joint_from_frame
from bayesmeta.joint.engine import register as _register
from bayesmeta.joint.freq import JointGlmmResult, joint_glmm

_register()  # the joint likelihood and its NUTS engine join the registries

__all__ = [
    "JointData",
    "JointGlmmResult",
    "OutcomeColumns",
    "joint_from_csv",
    "joint_from_frame",
    "joint_glmm",
    "parse_outcomes",
]
