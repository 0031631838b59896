# Reference values for Hedges' tau^2 estimator (metafor's rma(method = "HE"), meta's
# method.tau = "HE") from R metafor 3.8.
#
# Run from the repository root:  Rscript validation/metafor/hedges.R
# Writes validation/metafor/hedges.json. The data sets are those of reference.R, read from its
# pinned JSON files (events and totals per study), so both files describe the same studies; the
# CAR-T meta-regression reads the bundled table as reference.R does. One more set, "homogeneous",
# has a negative unbounded estimate (the OLS residual variance is below the mean sampling
# variance): metafor truncates it at 0.
#
# HE is closed form (no iteration); the Q-profile interval of tau^2 is solved to 1e-12.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)
pinned <- function(file) {
  sets <- fromJSON(file.path("validation/metafor", file), simplifyVector = TRUE)$datasets
  lapply(sets, function(s) data.frame(study = s$study, xi = s$events, ni = s$total))
}
sets <- c(pinned("reference_dev.json"), pinned("reference_unseen.json"))
sets$homogeneous <- data.frame(study = paste0("H", 1:6), xi = c(20, 21, 19, 20, 22, 20),
                               ni = c(100, 100, 100, 100, 100, 100))

backtransf <- function(measure, x, ni) {
  switch(measure,
         PLO = transf.ilogit(x),
         PFT = transf.ipft.hm(x, targs = list(ni = ni)),
         PAS = transf.iarcsin(x),
         PR = x)
}

# the same fields as reference.R's rma_case (the freq tests compare them one by one)
he_case <- function(d, measure, test) {
  es <- escalc(measure, xi = xi, ni = ni, data = d)
  fit <- rma(yi, vi, data = es, method = "HE", test = test)
  pr <- predict(fit)
  tau2_ci <- c(NA, NA)
  ci <- try(confint(fit, type = "QP", control = list(tol = 1e-12))$random["tau^2", 2:3], silent = TRUE)
  if (!inherits(ci, "try-error")) tau2_ci <- as.numeric(ci)
  bt <- function(x) backtransf(measure, x, d$ni)
  list(measure = measure, method = "HE", ci_method = test, k = fit$k,
       mu = num(fit$b), se = num(fit$se), tau2 = num(fit$tau2), tau2_ci = tau2_ci,
       i2 = num(fit$I2), h2 = num(fit$H2), q = num(fit$QE), q_p = num(fit$QEp),
       ci_mu = c(num(fit$ci.lb), num(fit$ci.ub)),
       estimate = bt(num(fit$b)), ci = bt(c(num(fit$ci.lb), num(fit$ci.ub))),
       pi = bt(c(num(pr$pi.lb), num(pr$pi.ub))),
       # Hedges' formula before metafor's truncation at 0 (OLS residuals, trace of P V)
       tau2_untruncated = untruncated(es$yi, es$vi))
}

untruncated <- function(yi, vi) {
  k <- length(yi)
  P <- diag(k) - matrix(1 / k, k, k)
  (sum((P %*% yi)^2) - sum(diag(P %*% diag(vi)))) / (k - 1)
}

metareg_case <- function(ev, tot, test) {
  cart <- read.csv("bayesmeta/data/cart_wu2025.csv", stringsAsFactors = FALSE)
  d <- cart[!is.na(cart[[ev]]) & !is.na(cart[[tot]]) & !is.na(cart$age_median), ]
  d <- data.frame(study = d$study, xi = d[[ev]], ni = d[[tot]],
                  cancer_type = factor(d$cancer_type, levels = sort(unique(d$cancer_type))),
                  age_median = d$age_median)
  es <- escalc("PLO", xi = xi, ni = ni, data = d)
  fit <- rma(yi, vi, mods = ~ cancer_type + age_median, data = es, method = "HE", test = test)
  terms <- c("intercept", paste0("cancer_type[", levels(d$cancer_type)[-1], "]"), "age_median")
  terms <- terms[seq_along(fit$b)]
  coefs <- setNames(lapply(seq_along(fit$b), function(i)
    list(estimate = num(fit$b[i]), se = num(fit$se[i]))), terms)
  list(formula = "cancer_type + age_median", method = "HE",
       ci_method = ifelse(test == "knha", "hk", "z"), k = fit$k, coefficients = coefs,
       qm = num(fit$QM), qm_df = num(fit$QMdf[1]), qm_p = num(fit$QMp), tau2 = num(fit$tau2),
       qe = num(fit$QE), included = d$study)
}

out <- list(metafor_version = as.character(packageVersion("metafor")), datasets = list())
for (nm in names(sets)) {
  d <- sets[[nm]]
  entry <- list(study = d$study, events = d$xi, total = d$ni, rma = list())
  for (t in c("z", "knha"))
    entry$rma[[paste("HE", ifelse(t == "knha", "hk", "z"), sep = "_")]] <- he_case(d, "PLO", t)
  for (ms in c("PFT", "PAS", "PR"))
    entry$rma[[paste(ms, "HE", sep = "_")]] <- he_case(d, ms, "z")
  out$datasets[[nm]] <- entry
}
out$metareg <- list()
for (o in list(c("cart_orr", "orr_events", "orr_total"), c("cart_crr", "crr_events", "crr_total"),
               c("cart_death", "dead_events", "dead_total")))
  for (t in c("z", "knha"))
    out$metareg[[paste(o[1], ifelse(t == "knha", "hk", "z"), sep = "_")]] <- metareg_case(o[2], o[3], t)

write_json(out, "validation/metafor/hedges.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null")
