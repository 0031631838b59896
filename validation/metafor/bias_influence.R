# Reference values for small-study effects, influence, cumulative analysis and intervals
# (bayesmeta.freq.ranktest, trimfill, influence, cumulative, predict, profile, and the Baujat
# plot's coordinates, bayesmeta.plots.baujat) from R:
# metafor 3.8 (ranktest, regtest, trimfill, influence, cumul, baujat, predict(pi.type=)) and lme4
# (the GLMM's profile likelihood of the random-intercept SD, from glmer's own deviance
# function with nAGQ = 7, as rma.glmm fits it).
#
# Run from the repository root:  Rscript validation/metafor/bias_influence.R
# Writes validation/metafor/bias_influence.json. Iterative tau^2 estimators use tight
# convergence controls so the pinned values are the exact solutions.
suppressPackageStartupMessages({library(metafor); library(metadat); library(lme4); library(jsonlite)})

tight <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

cart <- read.csv("bayesmeta/data/cart_wu2025.csv", stringsAsFactors = FALSE)
outcome <- function(ev, tot) {
  keep <- !is.na(cart[[ev]]) & !is.na(cart[[tot]])
  d <- cart[keep, ]
  data.frame(study = d$study, xi = d[[ev]], ni = d[[tot]], order = d$year, stringsAsFactors = FALSE)
}
arm <- function(d, trt) {
  d <- d[d$trt == trt, ]
  data.frame(study = as.character(d$study), xi = d$xi, ni = d$ni, order = seq_len(nrow(d)),
             stringsAsFactors = FALSE)
}
sets <- list(
  cart_orr = outcome("orr_events", "orr_total"),
  cart_crr = outcome("crr_events", "crr_total"),
  cart_death = outcome("dead_events", "dead_total"),
  pritz1997 = with(dat.pritz1997, data.frame(study = paste(study, authors), xi = xi, ni = ni,
                                             order = seq_along(xi))),
  debruin2009 = with(dat.debruin2009, data.frame(study = paste(author, year), xi = xi, ni = ni,
                                                 order = year)),
  hasselblad1998_no_contact = arm(dat.hasselblad1998, "no_contact"),
  pagliaro1992_control = arm(dat.pagliaro1992, "control")
)

tf_case <- function(fit, estimator) {
  tf <- trimfill(fit, estimator = estimator, control = tight)
  filled <- if (tf$k0 > 0) tail(as.numeric(tf$yi), tf$k0) else numeric(0)
  filled_vi <- if (tf$k0 > 0) tail(as.numeric(tf$vi), tf$k0) else numeric(0)
  list(k0 = num(tf$k0), se_k0 = num(tf$se.k0), side = tf$side, mu = num(tf$b), se = num(tf$se),
       ci_mu = c(num(tf$ci.lb), num(tf$ci.ub)), estimate = transf.ilogit(num(tf$b)),
       ci = transf.ilogit(c(num(tf$ci.lb), num(tf$ci.ub))), tau2 = num(tf$tau2),
       filled_yi = I(filled), filled_vi = I(filled_vi))
}

influence_case <- function(fit) {
  inf <- influence(fit)
  list(rstudent = as.numeric(inf$inf$rstudent), dffits = as.numeric(inf$inf$dffits),
       cook_d = as.numeric(inf$inf$cook.d), cov_r = as.numeric(inf$inf$cov.r),
       tau2_del = as.numeric(inf$inf$tau2.del), qe_del = as.numeric(inf$inf$QE.del),
       hat = as.numeric(inf$inf$hat), weight = as.numeric(inf$inf$weight),
       dfbetas = as.numeric(inf$dfbs$intrcpt), influential = as.logical(inf$is.infl))
}

cumul_case <- function(fit, d) {
  cu <- cumul(fit, order = d$order)
  list(study = cu$slab, estimate_mu = as.numeric(cu$estimate), se = as.numeric(cu$se),
       ci_mu_lb = as.numeric(cu$ci.lb), ci_mu_ub = as.numeric(cu$ci.ub),
       tau2 = as.numeric(cu$tau2), i2 = as.numeric(cu$I2), q = as.numeric(cu$Q))
}

baujat_case <- function(fit) {
  pdf(NULL)
  bj <- baujat(fit)
  invisible(dev.off())
  list(x = as.numeric(bj$x), y = as.numeric(bj$y))
}

pi_case <- function(fit) {
  out <- list()
  for (type in c("t", "riley")) {
    pr <- predict(fit, pi.type = type)
    out[[ifelse(type == "riley", "hts", type)]] <- c(num(pr$pi.lb), num(pr$pi.ub))
  }
  out
}

# lme4: the deviance of glmer's random-intercept model (nAGQ = 7) as a function of (theta, beta);
# theta is the random-intercept SD. The profile deviance minimises over beta for fixed theta.
profile_case <- function(d, level = 0.95) {
  d$id <- factor(seq_len(nrow(d)))
  dev <- glmer(cbind(xi, ni - xi) ~ 1 + (1 | id), data = d, family = binomial, nAGQ = 7,
               devFunOnly = TRUE)
  g <- glmer(cbind(xi, ni - xi) ~ 1 + (1 | id), data = d, family = binomial, nAGQ = 7)
  b0 <- unname(fixef(g))
  prof <- function(theta) {
    o <- optimize(function(b) dev(c(theta, b)), c(b0 - 3, b0 + 3), tol = 1e-12)
    o$objective
  }
  opt <- optimize(prof, c(0, 10), tol = 1e-12)
  theta_hat <- opt$minimum
  cut <- qchisq(level, 1)
  f <- function(t) prof(t) - opt$objective - cut
  lo <- if (f(0) > 0) uniroot(f, c(0, theta_hat), tol = 1e-13)$root else 0
  hi <- uniroot(f, c(theta_hat, 20), tol = 1e-13)$root
  list(tau2 = theta_hat^2, lo = lo^2, hi = hi^2, level = level,
       tau2_glmer = as.numeric(VarCorr(g)$id[1]))
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            lme4_version = as.character(packageVersion("lme4")), datasets = list())
for (nm in names(sets)) {
  d <- sets[[nm]]
  cat(nm, "\n")
  es <- escalc("PLO", xi = xi, ni = ni, data = d)
  entry <- list(study = d$study, events = d$xi, total = d$ni, order = d$order)
  for (m in c("DL", "REML")) {
    fit <- rma(yi, vi, data = es, method = m, slab = study, control = tight)
    rk <- ranktest(fit)
    eg <- regtest(fit, model = "rma", predictor = "sei")
    pe <- regtest(fit, model = "lm", predictor = "ninv")
    entry[[m]] <- list(
      ranktest = list(tau = num(rk$tau), p = num(rk$pval)),
      egger = list(z = num(eg$zval), p = num(eg$pval)),
      peters = list(t = num(pe$zval), p = num(pe$pval), df = num(pe$dfs)),
      trimfill_L0 = tf_case(fit, "L0"),
      trimfill_R0 = tryCatch(tf_case(fit, "R0"), error = function(e) NULL),
      influence = influence_case(fit),
      cumul = cumul_case(fit, d),
      baujat = baujat_case(fit),
      pi = pi_case(fit))
  }
  entry$glmm_profile <- profile_case(d)
  out$datasets[[nm]] <- entry
}
write_json(out, "validation/metafor/bias_influence.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
