"""Several outcomes per study fitted jointly (issue 20): data, the multivariate GLMM, the
Bayesian joint model, nested response and joint decisions."""

from bayesmeta.joint.columns import OutcomeColumns, parse_outcomes
from bayesmeta.joint.data import JointData, joint_from_csv, joint_from_frame
from bayesmeta.joint.freq import JointGlmmResult, joint_glmm

__all__ = [
    "JointData",
    "JointGlmmResult",
    "OutcomeColumns",
    "joint_from_csv",
    "joint_from_frame",
    "joint_glmm",
    "parse_outcomes",
]
