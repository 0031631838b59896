"""The hash of what a saved fit was computed from: spec, data and software versions.

``bayesmeta run`` stores it in ``posterior.nc`` (attribute ``bayesmeta_fit_hash`` of the
posterior group) and in ``summary.json``; ``bayesmeta compare --out`` reuses a saved posterior
only when its hash equals the hash of the spec being compared, so an edited spec, changed data,
another package version or another model's posterior copied into the folder means a refit.
"""

from __future__ import annotations

import hashlib
import json

from bayesmeta.analysis.specfile import AnalysisSpec, read_frame
from bayesmeta.versions import stack_versions

HASH_ATTR = "bayesmeta_fit_hash"


def fit_hash(spec: AnalysisSpec) -> str:
    """SHA-256 of the spec file (its bytes and its validated content), its data table and the
    software stack.

    Parameters
    ----------
    spec : AnalysisSpec
        A validated spec (its data source is read).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    content = {k: v for k, v in spec.to_dict().items() if k != "path"}  # not where it lies
    digest = hashlib.sha256(spec.path.read_bytes())
    digest.update(json.dumps(content, sort_keys=True, default=str).encode())
    digest.update(read_frame(spec).to_csv(index=False).encode())
    digest.update(json.dumps(stack_versions(), sort_keys=True).encode())
    return digest.hexdigest()
