"""One-stage individual patient data (IPD) meta-analysis: within- vs across-trial effects."""
