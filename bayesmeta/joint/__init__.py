"""Several outcomes per study fitted jointly (issue 20): data, the multivariate GLMM, the
Bayesian joint model, nested response and joint decisions."""

from bayesmeta.joint.columns import OutcomeColumns, parse_outcomes, resolve_columns
from bayesmeta.joint.data import JointCounts, JointData
from bayesmeta.joint.engine import register as _register
from bayesmeta.joint.freq import JointGlmmResult, joint_glmm
from bayesmeta.joint.wide_table import joint_from_csv, joint_from_frame

_register()  # the joint likelihood and its NUTS engine join the registries

__all__ = [
    "JointCounts",
    "JointData",
    "JointGlmmResult",
    "OutcomeColumns",
    "joint_from_csv",
    "joint_from_frame",
    "joint_glmm",
    "parse_outcomes",
    "resolve_columns",
]
