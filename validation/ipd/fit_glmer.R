# lme4 references for the one-stage IPD GLMM (bayesmeta.ipd.glmm, issue 21).
#
#   y ~ x_within + x_across + z_within + z_across + (1 | trial), binomial, nAGQ = 7
#
# within = x - trial mean of x, across = trial mean of x (uncentred), computed here
# independently of bayesmeta. "ipd": the 30 patient trials of patients.csv (one row per
# patient). "ipd_ad": plus the 8 aggregate trials of aggregate.csv as one binomial row each,
# cbind(events, total - events), within = 0, across = the reported mean.
# Pinned: fixed effects, their SEs (vcov), tau, logLik (binomial constants included) and the
# same log-likelihood at glmer's estimates by stats::integrate (logLik_integrate), the
# common-effect glm logLik (for the LRT of tau) and, as a check of the parametrisation, the
# within - across differences with their SEs.
#
# Usage (repository root): Rscript validation/ipd/fit_glmer.R  -> validation/ipd/glmer.json

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

root <- getwd()
here <- file.path(root, "validation", "ipd")
pat <- read.csv(file.path(here, "patients.csv"), stringsAsFactors = FALSE)
agg <- read.csv(file.path(here, "aggregate.csv"), stringsAsFactors = FALSE)

xbar <- ave(pat$x, pat$trial)
zbar <- ave(pat$z, pat$trial)
ipd <- data.frame(trial = pat$trial, events = pat$y, total = 1,
                  x_within = pat$x - xbar, x_across = xbar,
                  z_within = pat$z - zbar, z_across = zbar)
ad <- data.frame(trial = agg$trial, events = agg$events, total = agg$total,
                 x_within = 0, x_across = agg$x, z_within = 0, z_across = agg$z)

form <- cbind(events, total - events) ~ x_within + x_across + z_within + z_across + (1 | trial)
names_bm <- c("intercept", "x:within", "x:across", "z:within", "z:across")

run <- function(d) {
  fit <- glmer(form, data = d, family = binomial, nAGQ = 7,
               control = glmerControl(optimizer = "bobyqa",
                                      optCtrl = list(maxfun = 1e5),
                                      check.conv.grad = .makeCC("ignore", tol = 1e-6)))
  # polish: tighten the optimum (bobyqa's default stopping leaves ~1e-6 in the estimates)
  fit <- update(fit, start = getME(fit, c("theta", "fixef")),
                control = glmerControl(optimizer = "bobyqa",
                                       optCtrl = list(maxfun = 1e5, rhobeg = 1e-3, rhoend = 1e-10)))
  b <- fixef(fit)
  V <- as.matrix(vcov(fit))
  se <- sqrt(diag(V))
  coef <- list()
  for (j in seq_along(b)) coef[[names_bm[j]]] <- list(estimate = unname(b[j]), se = unname(se[j]))
  diffs <- list()
  for (m in c("x", "z")) {
    cvec <- setNames(rep(0, length(b)), names(b))
    cvec[paste0(m, "_within")] <- 1
    cvec[paste0(m, "_across")] <- -1
    diffs[[m]] <- list(estimate = sum(cvec * b), se = sqrt(drop(t(cvec) %*% V %*% cvec)))
  }
  # the marginal log-likelihood at glmer's estimates by direct numerical integration
  # (stats::integrate), independent of any Gauss-Hermite rule: glmer's logLik with nAGQ > 1 is
  # off by a constant when binomial rows have n > 1 (the aggregate trials), see README.md
  X <- model.matrix(~ x_within + x_across + z_within + z_across, d)
  eta <- drop(X %*% b)
  tau <- unname(getME(fit, "theta"))
  ll_int <- 0
  for (t in unique(d$trial)) {
    i <- d$trial == t
    f <- function(u) sapply(u, function(uu) exp(sum(dbinom(d$events[i], d$total[i],
                                                               plogis(eta[i] + tau * uu), log = TRUE))) * dnorm(uu))
    ll_int <- ll_int + log(integrate(f, -12, 12, rel.tol = 1e-12)$value)
  }
  g <- glm(cbind(events, total - events) ~ x_within + x_across + z_within + z_across,
           data = d, family = binomial)
  list(coefficients = coef, differences = diffs,
       tau = tau, logLik = as.numeric(logLik(fit)), logLik_integrate = ll_int,
       logLik_common = as.numeric(logLik(g)), n_rows = nrow(d),
       k = length(unique(d$trial)))
}

out <- list(
  generator = "validation/ipd/make_data.py (seed 20261206)",
  lme4 = as.character(packageVersion("lme4")),
  R = R.version.string,
  ipd = run(ipd),
  ipd_ad = run(rbind(ipd, ad))
)
tmp <- file.path(here, "glmer.json.tmp")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), tmp)
file.rename(tmp, file.path(here, "glmer.json"))
