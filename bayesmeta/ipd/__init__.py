"""One-stage individual patient data (IPD) meta-analysis: within- vs across-trial effects.

Light on import (the CLI reads these choices when it builds its parser).
"""

#: How the one-stage model is fitted: Bayesian (exact or NUTS) or the ML GLMM.
METHODS = ("bayes", "GLMM")
#: Bayesian engines: "auto" is exact unless a random slope needs NUTS.
ENGINES = ("auto", "quadrature", "nuts")
