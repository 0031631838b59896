# GLMM on data with 22 of 33 studies at zero events (issue 24, defect 21).
#
# Two data sets (generated in python, numpy default_rng seeds 1 and 7; the counts are written
# out here): 33 studies, the 22 with the lowest true rates set to 0 events, the others at
# least 1. The likelihood is flat in tau (tau^2 ~ 7 and ~ 12). metafor's rma.glmm (lme4,
# nAGQ = 7 as ours) stops ~1e-3 relative from the optimum in tau^2 and its finite-difference
# Hessian gives standard errors 2e-3 to 6e-3 relative larger than a Richardson-extrapolated
# Hessian of the same likelihood (tests/freq/test_freq_glmm_zeros.py checks both claims).
#
# Run from the repository root:  Rscript validation/metafor/glmm_zeros.R
# Writes validation/metafor/glmm_zeros.json.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

sets <- list(
  seed1 = data.frame(
    xi = c(0, 0, 0, 0, 0, 3, 9, 0, 0, 0, 0, 2, 2, 22, 0, 0, 15, 5, 3, 0, 0, 5, 0, 0, 0, 0, 0,
           0, 0, 0, 0, 4, 5),
    ni = c(40, 43, 61, 76, 7, 15, 66, 76, 23, 28, 70, 36, 25, 67, 24, 35, 53, 46, 11, 7, 69, 61,
           67, 45, 66, 29, 38, 64, 14, 27, 14, 39, 78)),
  seed7 = data.frame(
    xi = c(0, 0, 0, 0, 0, 0, 7, 5, 0, 0, 0, 0, 4, 0, 0, 0, 0, 35, 0, 0, 20, 0, 0, 4, 0, 0, 4,
           35, 0, 12, 7, 0, 58),
    ni = c(151, 101, 111, 144, 94, 125, 134, 39, 13, 51, 49, 140, 146, 5, 82, 132, 25, 128, 23,
           77, 131, 51, 57, 48, 116, 44, 158, 73, 79, 83, 95, 90, 83)))
out <- lapply(sets, function(d) {
  f <- rma.glmm(measure = "PLO", xi = xi, ni = ni, data = d)
  list(events = d$xi, total = d$ni, tau2 = as.numeric(f$tau2), mu = as.numeric(f$beta),
       se = as.numeric(f$se))
})
out$metafor <- as.character(packageVersion("metafor"))
out$lme4 <- as.character(packageVersion("lme4"))
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "validation/metafor/glmm_zeros.json")
