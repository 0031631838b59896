# Reference values at a non-default confidence level (level = 0.9) from R metafor 3.8, for the
# paths where `bayesmeta freq --level` (and `level=` in Python) must change the intervals:
# pooled rma and rma.glmm, meta-regression coefficients (z, Knapp-Hartung, GLMM), Egger's and
# Peters' limit estimates (regtest) and leave-one-out.
#
# Run from the repository root:  Rscript validation/metafor/level.R
# Writes validation/metafor/reference_level.json.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

level <- 0.9
tight <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
num <- function(x) as.numeric(x)
cart <- read.csv("bayesmeta/data/cart_wu2025.csv", stringsAsFactors = FALSE)
outcome <- function(ev, tot) {
  keep <- !is.na(cart[[ev]]) & !is.na(cart[[tot]])
  d <- cart[keep, ]
  data.frame(study = d$study, xi = d[[ev]], ni = d[[tot]], cancer_type = d$cancer_type,
             age_median = d$age_median, stringsAsFactors = FALSE)
}
sets <- list(orr = outcome("orr_events", "orr_total"), crr = outcome("crr_events", "crr_total"),
             death = outcome("dead_events", "dead_total"))

pooled <- function(fit) {
  p <- predict(fit, level = level * 100)
  list(ci = c(num(fit$ci.lb), num(fit$ci.ub)), pi = c(num(p$pi.lb), num(p$pi.ub)))
}
metareg <- function(d, engine, method = "REML", test = "z") {
  d$cancer_type <- factor(d$cancer_type, levels = sort(unique(d$cancer_type)))
  d <- d[!is.na(d$age_median), ]
  if (engine == "GLMM") {
    fit <- rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ cancer_type + age_median,
                    data = d, level = level * 100)
  } else {
    es <- escalc("PLO", xi = xi, ni = ni, data = d)
    fit <- rma(yi, vi, mods = ~ cancer_type + age_median, data = es, method = method,
               test = test, control = tight, level = level * 100)
  }
  terms <- c("intercept", paste0("cancer_type[", levels(d$cancer_type)[-1], "]"), "age_median")
  setNames(lapply(seq_along(fit$b), function(i) list(
    estimate = num(fit$b[i]), se = num(fit$se[i]), ci = c(num(fit$ci.lb[i]), num(fit$ci.ub[i])))),
    terms[seq_along(fit$b)])
}
out <- list(metafor_version = as.character(packageVersion("metafor")), level = level,
            outcomes = list())
for (nm in names(sets)) {
  d <- sets[[nm]]
  es <- escalc("PLO", xi = xi, ni = ni, data = d)
  dl <- rma(yi, vi, data = es, method = "DL", level = level * 100)
  reml_hk <- rma(yi, vi, data = es, method = "REML", test = "knha", control = tight,
                 level = level * 100)
  glmm <- rma.glmm(measure = "PLO", xi = xi, ni = ni, data = d, level = level * 100)
  limit <- function(r) list(est = num(r$est), ci = c(num(r$ci.lb), num(r$ci.ub)))
  l1 <- leave1out(dl)
  out$outcomes[[nm]] <- list(
    rma_DL_z = pooled(dl), rma_REML_hk = pooled(reml_hk), glmm = pooled(glmm),
    metareg = list(REML_z = metareg(d, "IV"), DL_z = metareg(d, "IV", "DL"),
                   REML_hk = metareg(d, "IV", "REML", "knha"), GLMM = metareg(d, "GLMM")),
    regtest = list(egger_rma = limit(regtest(dl, model = "rma", predictor = "sei")),
                   egger_lm = limit(regtest(dl, model = "lm", predictor = "sei")),
                   peters_lm = limit(regtest(dl, model = "lm", predictor = "ninv"))),
    leave1out = list(ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub)))
}
write_json(out, "validation/metafor/reference_level.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
