# Cumulative REML where Fisher scoring does not converge at one step (issue 24, defect 20).
#
# Nine studies; at the sixth (three one- or two-patient studies without events beside 29/50)
# metafor's Fisher scoring oscillates between tau^2 ~ 0.3 and ~ 2 and stops with "did not
# converge": cumul() gives that row NA and carries on. The REML maximum exists: Fisher scoring
# with step halving (control = list(stepadj = 0.5)) finds it. bayesmeta's cumulative gives the
# other rows equal to cumul() and that row equal to the step-halving fit.
#
# Run from the repository root:  Rscript validation/metafor/cumul_reml.R
# Writes validation/metafor/cumul_reml.json.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

tight <- list(threshold = 1e-12, maxiter = 10000)
d <- data.frame(study = paste0("S", 1:9), year = 2001:2009,
                xi = c(0, 0, 29, 0, 0, 0, 10, 12, 5), ni = c(5, 5, 50, 1, 1, 2, 40, 50, 30))
full <- rma(measure = "PLO", xi = xi, ni = ni, data = d, method = "REML", slab = study,
            control = tight)
cm <- cumul(full)
num <- function(x) as.numeric(x)
rows <- lapply(seq_len(nrow(d)), function(i) list(
  study = d$study[i], k = i, mu = num(cm$estimate[i]), se = num(cm$se[i]),
  ci_mu = c(num(cm$ci.lb[i]), num(cm$ci.ub[i])), tau2 = num(cm$tau2[i]), i2 = num(cm$I2[i]),
  q = num(cm$Q[i])))
plain <- try(rma(measure = "PLO", xi = xi, ni = ni, data = d[1:6, ], method = "REML"), silent = TRUE)
halved <- rma(measure = "PLO", xi = xi, ni = ni, data = d[1:6, ], method = "REML",
              control = list(stepadj = 0.5, threshold = 1e-12, maxiter = 10000))
out <- list(
  data = d,
  cumul = rows,
  na_row = 6,
  plain_fisher_scoring_error = if (inherits(plain, "try-error")) conditionMessage(attr(plain, "condition")) else NULL,
  step_halving_first6 = list(tau2 = num(halved$tau2), mu = num(halved$beta), se = num(halved$se),
                             ci_mu = c(num(halved$ci.lb), num(halved$ci.ub))),
  metafor = as.character(packageVersion("metafor"))
)
write(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
      "validation/metafor/cumul_reml.json")
