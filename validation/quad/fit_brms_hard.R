# brms/Stan references for the quadrature engine (issue 7): hard cases and prior variants.
#
# The default priors on the CAR-T outcomes are pinned by validation/brms/fit_brms.R (issue 4);
# this script covers what that one does not:
#   death_halfcauchy   CAR-T death, tau ~ halfcauchy(1)                 (heavy-tailed tau prior)
#   orr_t_exponential  CAR-T orr, mu ~ student_t(3, 0, 2.5), tau ~ exponential(1)
#   k2_zero_all        k = 2: 0/12 and 20/20 events                     (zero- and all-event, k = 2)
#   homogeneous        5 studies 10,12,9,11,10 of 50                   (tau near 0)
#   large_n            1480/3000, 2710/4000, 905/2000, 1999/5000       (n in the thousands)
# Model: y | trials(n) ~ 1 + (1 | study), binomial logit; brms puts the class-sd prior on
# [0, inf), so normal(0, s) is the half-normal and cauchy(0, s) the half-Cauchy.
#
# Pinned per fit: 2.5%, 50%, 97.5% quantiles and their MCSE (posterior::mcse_quantile) of mu,
# tau, expit(mu), the population-averaged rate E[expit(mu + u)] (61-node Gauss-Hermite), the
# new-study rate expit(mu + tau z) (one z ~ N(0, 1) per draw) and the first study's shrunken rate.
#
# Usage (repository root; one R job at a time; ~5 minutes, mostly compiling three models):
#   Rscript validation/quad/fit_brms_hard.R
# Writes validation/quad/brms_hard.json atomically.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

SEED <- 20251121
CHAINS <- 2
ITER <- 11000 # 1000 warmup + 10000 draws per chain -> 20000 draws
WARMUP <- 1000
ADAPT_DELTA <- 0.99
root <- getwd()
csv <- file.path(root, "bayesmeta", "data", "cart_wu2025.csv")
out <- file.path(root, "validation", "quad", "brms_hard.json")
stopifnot(file.exists(csv))
raw <- read.csv(csv, stringsAsFactors = FALSE)

gauss_hermite <- function(m) {
  off <- sqrt(seq_len(m - 1))
  jacobi <- matrix(0, m, m)
  jacobi[cbind(1:(m - 1), 2:m)] <- off
  jacobi[cbind(2:m, 1:(m - 1))] <- off
  e <- eigen(jacobi, symmetric = TRUE)
  list(x = e$values, w = e$vectors[1, ]^2)
}
GH <- gauss_hermite(61)

cart <- function(ev, tot) {
  keep <- !is.na(raw[[ev]]) & !is.na(raw[[tot]])
  data.frame(study = raw$study[keep], y = raw[[ev]][keep], n = raw[[tot]][keep])
}
made <- function(y, n) data.frame(study = paste0("s", seq_along(y) - 1), y = y, n = n)

cases <- list(
  death_halfcauchy = list(data = cart("dead_events", "dead_total"), priors = "halfcauchy"),
  orr_t_exponential = list(data = cart("orr_events", "orr_total"), priors = "t_exponential"),
  k2_zero_all = list(data = made(c(0, 20), c(12, 20)), priors = "default"),
  homogeneous = list(data = made(c(10, 12, 9, 11, 10), rep(50, 5)), priors = "default"),
  large_n = list(data = made(c(1480, 2710, 905, 1999), c(3000, 4000, 2000, 5000)), priors = "default")
)
prior_sets <- list(
  default = c(prior(normal(0, 2.5), class = Intercept), prior(normal(0, 1.5), class = sd)),
  halfcauchy = c(prior(normal(0, 2.5), class = Intercept), prior(cauchy(0, 1), class = sd)),
  t_exponential = c(prior(student_t(3, 0, 2.5), class = Intercept), prior(exponential(1), class = sd))
)
prior_strings <- list(
  default = list(mu = "normal(0, 2.5)", tau = "halfnormal(1.5)"),
  halfcauchy = list(mu = "normal(0, 2.5)", tau = "halfcauchy(1)"),
  t_exponential = list(mu = "student_t(3, 0, 2.5)", tau = "exponential(1)")
)

summ <- function(x) {
  q <- quantile(x, c(0.025, 0.5, 0.975), names = FALSE)
  list(
    median = q[2], lo = q[1], hi = q[3],
    mcse_median = mcse_quantile(x, 0.5), mcse_lo = mcse_quantile(x, 0.025),
    mcse_hi = mcse_quantile(x, 0.975)
  )
}

compiled <- list()
fits <- list()
set.seed(SEED)
for (name in names(cases)) {
  case <- cases[[name]]
  set_name <- case$priors
  if (is.null(compiled[[set_name]])) {
    fit <- brm(
      y | trials(n) ~ 1 + (1 | study), data = case$data, family = binomial(),
      prior = prior_sets[[set_name]], chains = CHAINS, cores = 1, iter = ITER, warmup = WARMUP,
      seed = SEED, control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2
    )
    compiled[[set_name]] <- fit
  } else {
    fit <- update(compiled[[set_name]], newdata = case$data, chains = CHAINS, cores = 1,
                  iter = ITER, warmup = WARMUP, seed = SEED,
                  control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2)
  }
  d <- as_draws_df(fit)
  mu <- d$b_Intercept
  tau <- d$sd_study__Intercept
  first <- paste0("r_study[", gsub(" ", ".", case$data$study[1]), ",Intercept]")
  u1 <- d[[first]]
  stopifnot(!is.null(u1))
  z <- rnorm(length(mu))
  pooled_mean <- as.vector(plogis(outer(mu, rep(1, length(GH$x))) + outer(tau, GH$x)) %*% GH$w)
  np <- nuts_params(fit)
  fits[[name]] <- list(
    events = case$data$y, total = case$data$n, study = case$data$study,
    priors = prior_strings[[set_name]],
    diagnostics = list(
      divergences = sum(np$Value[np$Parameter == "divergent__"]),
      rhat_max = max(summarise_draws(subset_draws(as_draws_array(fit), variable = c("b_Intercept", "sd_study__Intercept")), "rhat")$rhat),
      ess_bulk_min = min(ess_bulk(mu), ess_bulk(tau)),
      ess_tail_min = min(ess_tail(mu), ess_tail(tau))
    ),
    mu = summ(mu), tau = summ(tau), pooled_median = summ(plogis(mu)),
    pooled_mean = summ(pooled_mean), new_study = summ(plogis(mu + tau * z)),
    study0 = summ(plogis(mu + u1))
  )
  cat(name, "done\n")
}

result <- list(
  meta = list(
    brms = as.character(packageVersion("brms")), rstan = as.character(packageVersion("rstan")),
    seed = SEED, chains = CHAINS, draws_per_chain = ITER - WARMUP, adapt_delta = ADAPT_DELTA,
    gauss_hermite_nodes = 61, script = "validation/quad/fit_brms_hard.R"
  ),
  fits = fits
)
tmp <- tempfile(tmpdir = dirname(out), fileext = ".tmp")
writeLines(toJSON(result, auto_unbox = TRUE, digits = 10, pretty = TRUE), tmp)
file.rename(tmp, out)
cat("wrote", out, "\n")
