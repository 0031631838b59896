# Reference posterior from brms/Stan for bayesmeta's meta-regression (issue 4).
#
# death outcome: y | trials(n) ~ 0 + Intercept + cancer_type + (1 | study), treatment coding
# with the first sorted level (leukemia) as reference, as bayesmeta.formula does.
# Priors as bayesmeta's defaults: intercept ~ normal(0, 2.5) (mu prior), slopes ~ normal(0, 2.5)
# (beta prior), tau ~ halfnormal(1.5). "0 + Intercept" keeps brms from centring the design, so
# the intercept prior applies to the reference level's logit, as in bayesmeta.
#
# Usage (repository root): Rscript validation/brms/fit_brms_regression.R
# Writes validation/brms/reference_regression.json atomically.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

SEED <- 20251121
root <- getwd()
raw <- read.csv(file.path(root, "bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)
keep <- !is.na(raw$dead_events) & !is.na(raw$dead_total)
d <- data.frame(study = raw$study[keep], y = raw$dead_events[keep], n = raw$dead_total[keep],
                cancer_type = factor(raw$cancer_type[keep]))
levels_ct <- levels(d$cancer_type)

gauss_hermite <- function(m) {
  off <- sqrt(seq_len(m - 1))
  jacobi <- matrix(0, m, m)
  jacobi[cbind(1:(m - 1), 2:m)] <- off
  jacobi[cbind(2:m, 1:(m - 1))] <- off
  e <- eigen(jacobi, symmetric = TRUE)
  list(x = e$values, w = e$vectors[1, ]^2)
}
GH <- gauss_hermite(61)
pop_mean <- function(eta, tau) {
  vapply(seq_along(eta), function(i) sum(GH$w * plogis(eta[i] + tau[i] * GH$x)), 0.0)
}
summ <- function(x) {
  q <- quantile(x, c(0.5, 0.025, 0.975), names = FALSE)
  list(median = q[1], lo = q[2], hi = q[3], mcse_median = mcse_quantile(x, 0.5),
       mcse_lo = mcse_quantile(x, 0.025), mcse_hi = mcse_quantile(x, 0.975))
}

fit <- brm(bf(y | trials(n) ~ 0 + Intercept + cancer_type + (1 | study)), data = d,
           family = binomial(),
           prior = c(prior(normal(0, 2.5), class = b), prior(normal(0, 1.5), class = sd)),
           chains = 4, iter = 3000, warmup = 1000, cores = 1, seed = SEED,
           control = list(adapt_delta = 0.95), refresh = 0, silent = 2)
dr <- as_draws_df(fit)
tau <- dr$sd_study__Intercept
b0 <- dr$b_Intercept
eta <- list()
coef <- list(intercept = summ(b0))
for (lv in levels_ct) {
  if (lv == levels_ct[1]) {
    eta[[lv]] <- b0
  } else {
    slope <- dr[[paste0("b_cancer_type", lv)]]
    coef[[paste0("cancer_type[", lv, "]")]] <- summ(slope)
    eta[[lv]] <- b0 + slope
  }
}
counts <- table(d$cancer_type)
w <- as.numeric(counts[levels_ct]) / nrow(d)
eta_bar <- Reduce(`+`, Map(function(e, wi) e * wi, eta, w))
mean_mix <- Reduce(`+`, Map(function(e, wi) pop_mean(e, tau) * wi, eta, w))
np <- nuts_params(fit)
result <- list(
  meta = list(brms = as.character(packageVersion("brms")), seed = SEED, chains = 4,
              draws_per_chain = 2000, adapt_delta = 0.95,
              script = "validation/brms/fit_brms_regression.R"),
  death_regression_cancer_type = list(
    levels = levels_ct,
    divergences = sum(np$Value[np$Parameter == "divergent__"]),
    tau = summ(tau), coefficients = coef,
    rates = lapply(eta, function(e) summ(plogis(e))),
    pooled_median = summ(plogis(eta_bar)),
    pooled_mean = summ(mean_mix)
  )
)
out <- file.path(root, "validation", "brms", "reference_regression.json")
writeLines(toJSON(result, auto_unbox = TRUE, digits = 8, pretty = TRUE), paste0(out, ".tmp"))
file.rename(paste0(out, ".tmp"), out)
cat("wrote", out, "\n")
