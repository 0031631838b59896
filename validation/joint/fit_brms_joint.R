# brms references for bayesmeta's Bayesian joint model of several outcomes (issue 20):
#   x | trials(n) ~ 0 + outcome + (0 + outcome | id), family = binomial
#   priors: b ~ normal(0, 2.5), sd ~ normal(0, 1.5) (half-normal: brms truncates at 0),
#           cor ~ lkj(2)  (bayesmeta's defaults)
# on the CAR-T data (orr, crr, dead) and validation/joint/sim_joint.csv (eff, cr, tox).
#
# Pinned: median, 2.5% and 97.5% quantiles with their MCSEs (posterior::mcse_quantile) of mu,
# the pooled rate expit(mu), the population-averaged rate E[expit(mu + u)] (61-node
# Gauss-Hermite), the new-study rate (one u ~ MVN(0, Sigma) per draw), tau and each
# correlation; joint probabilities P(pooled conditions) (indicator mean) and P(new study meets
# them) (per draw the MVN probability of the box on the logit scale, mvtnorm::pmvnorm, averaged)
# with posterior::mcse_mean; the conditional new-study rate of one outcome given another's
# true rate (per draw one draw from the conditional normal).
#
# Usage (from the repository root; ~10 minutes, one compile reused by update()):
#   nice -n 10 Rscript validation/joint/fit_brms_joint.R
# Writes validation/joint/brms_reference.json.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
  library(mvtnorm)
})

SEED <- 20261206
CHAINS <- 4
ITER <- 6000
WARMUP <- 1000
ADAPT_DELTA <- 0.95
root <- getwd()

long_format <- function(wide, outcomes) {
  rows <- list()
  for (name in names(outcomes)) {
    cols <- outcomes[[name]]
    keep <- !is.na(wide[[cols[1]]]) & !is.na(wide[[cols[2]]])
    rows[[name]] <- data.frame(
      id = wide$study[keep], outcome = name,
      x = as.integer(wide[[cols[1]]][keep]), n = as.integer(wide[[cols[2]]][keep]),
      stringsAsFactors = FALSE
    )
  }
  long <- do.call(rbind, rows)
  long$outcome <- factor(long$outcome, levels = names(outcomes))
  long
}

gauss_hermite <- function(m) {
  off <- sqrt(seq_len(m - 1))
  jacobi <- matrix(0, m, m)
  jacobi[cbind(1:(m - 1), 2:m)] <- off
  jacobi[cbind(2:m, 1:(m - 1))] <- off
  e <- eigen(jacobi, symmetric = TRUE)
  list(x = e$values, w = e$vectors[1, ]^2)
}
GH <- gauss_hermite(61)
pop_mean <- function(mu, tau) {
  vapply(seq_along(mu), function(d) sum(GH$w * plogis(mu[d] + tau[d] * GH$x)), 0.0)
}

# quantiles of per-draw values (draws ordered chain by chain) and their MCSEs, computed on the
# iterations x chains matrix
summ_draws <- function(values) {
  x <- matrix(values, ncol = CHAINS)
  q <- quantile(values, c(0.5, 0.025, 0.975), names = FALSE, type = 7)
  list(
    median = q[1], lo = q[2], hi = q[3],
    mcse_median = mcse_quantile(x, 0.5), mcse_lo = mcse_quantile(x, 0.025),
    mcse_hi = mcse_quantile(x, 0.975)
  )
}
mean_draws <- function(values) {
  list(estimate = mean(values), mcse = mcse_mean(matrix(values, ncol = CHAINS)))
}

diag_of <- function(fit) {
  np <- nuts_params(fit)
  s <- summarise_draws(as_draws_array(fit), "rhat", "ess_bulk", "ess_tail")
  s <- s[!grepl("^(lp__|lprior|r_id|z_|L_)", s$variable), ]
  list(
    divergences = sum(np$Value[np$Parameter == "divergent__"]),
    rhat_max = max(s$rhat, na.rm = TRUE),
    ess_bulk_min = min(s$ess_bulk, na.rm = TRUE),
    ess_tail_min = min(s$ess_tail, na.rm = TRUE)
  )
}

priors <- c(
  prior(normal(0, 2.5), class = b),
  prior(normal(0, 1.5), class = sd),
  prior(lkj(2), class = cor)
)
formula <- bf(x | trials(n) ~ 0 + outcome + (0 + outcome | id))
cache <- NULL

fit_data <- function(long, conditions, given) {
  if (is.null(cache)) {
    fit <- brm(formula, data = long, family = binomial(), prior = priors,
      chains = CHAINS, iter = ITER, warmup = WARMUP, cores = 1, seed = SEED,
      control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2)
  } else {
    fit <- update(cache, newdata = long, chains = CHAINS, iter = ITER, warmup = WARMUP,
      cores = 1, seed = SEED, control = list(adapt_delta = ADAPT_DELTA), refresh = 0,
      silent = 2)
  }
  cache <<- fit
  names_out <- levels(long$outcome)
  m <- length(names_out)
  dr <- as_draws_df(fit) # rows ordered chain by chain
  stopifnot(all(diff(dr$.chain) >= 0))
  S <- nrow(dr)
  mu <- sapply(names_out, function(o) dr[[paste0("b_outcome", o)]])
  tau <- sapply(names_out, function(o) dr[[paste0("sd_id__outcome", o)]])
  cor_of <- function(a, b) {
    key <- paste0("cor_id__outcome", a, "__outcome", b)
    if (!is.null(dr[[key]])) dr[[key]] else dr[[paste0("cor_id__outcome", b, "__outcome", a)]]
  }
  sigma <- array(0, c(S, m, m))
  for (i in 1:m) for (j in 1:m) {
    r <- if (i == j) rep(1, S) else cor_of(names_out[i], names_out[j])
    sigma[, i, j] <- r * tau[, i] * tau[, j]
  }
  set.seed(SEED)
  u_new <- t(vapply(seq_len(S), function(s) {
    as.numeric(rmvnorm(1, sigma = matrix(sigma[s, , ], m, m)))
  }, numeric(m)))
  entry <- list(k = length(unique(long$id)), n_obs = nrow(long), diagnostics = diag_of(fit),
                outcomes = list(), correlations = list(), joint = list(), conditional = list())
  for (j in 1:m) {
    o <- names_out[j]
    entry$outcomes[[o]] <- list(
      mu = summ_draws(mu[, j]), pooled_median = summ_draws(plogis(mu[, j])),
      pooled_mean = summ_draws(pop_mean(mu[, j], tau[, j])),
      new_study = summ_draws(plogis(mu[, j] + u_new[, j])), tau = summ_draws(tau[, j])
    )
  }
  for (i in 1:(m - 1)) for (j in (i + 1):m) {
    entry$correlations[[paste(names_out[i], names_out[j], sep = ",")]] <-
      summ_draws(cor_of(names_out[i], names_out[j]))
  }
  for (condition in conditions) {
    sel <- match(condition$outcomes, names_out)
    lower <- ifelse(condition$above, qlogis(condition$rates), -Inf)
    upper <- ifelse(condition$above, Inf, qlogis(condition$rates))
    pooled <- rep(TRUE, S)
    for (c in seq_along(sel)) {
      rate <- plogis(mu[, sel[c]])
      pooled <- pooled & (if (condition$above[c]) rate > condition$rates[c] else rate < condition$rates[c])
    }
    new_study <- vapply(seq_len(S), function(s) {
      as.numeric(pmvnorm(lower = lower, upper = upper, mean = mu[s, sel],
        sigma = matrix(sigma[s, sel, sel], length(sel)), algorithm = Miwa(steps = 128)))
    }, 0.0)
    entry$joint[[length(entry$joint) + 1]] <- list(
      condition = condition$text, pooled = mean_draws(as.numeric(pooled)),
      new_study = mean_draws(new_study)
    )
  }
  for (g in given) {
    a <- match(g$given, names_out)
    b <- match(g$outcome, names_out)
    u_a <- qlogis(g$rate) - mu[, a]
    rho <- sigma[, a, b] / (tau[, a] * tau[, b])
    cond_mean <- mu[, b] + rho * tau[, b] / tau[, a] * u_a
    cond_sd <- tau[, b] * sqrt(1 - rho^2)
    set.seed(SEED + 1)
    draws <- plogis(rnorm(S, cond_mean, cond_sd))
    entry$conditional[[length(entry$conditional) + 1]] <- c(
      list(outcome = g$outcome, given = g$given, rate = g$rate), summ_draws(draws)
    )
  }
  entry
}

cart <- read.csv(file.path(root, "bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)
sim <- read.csv(file.path(root, "validation", "joint", "sim_joint.csv"), stringsAsFactors = FALSE)
result <- list(
  meta = list(
    brms = as.character(packageVersion("brms")), rstan = as.character(packageVersion("rstan")),
    seed = SEED, chains = CHAINS, draws_per_chain = ITER - WARMUP, adapt_delta = ADAPT_DELTA,
    priors = list(mu = "normal(0, 2.5)", tau = "halfnormal(1.5)", cor = "lkj(2)"),
    script = "validation/joint/fit_brms_joint.R"
  ),
  cart_wu2025 = fit_data(
    long_format(cart, list(orr = c("orr_events", "orr_total"), crr = c("crr_events", "crr_total"),
                           dead = c("dead_events", "dead_total"))),
    list(list(text = "orr>0.8,dead<0.25", outcomes = c("orr", "dead"), above = c(TRUE, FALSE),
              rates = c(0.8, 0.25)),
         list(text = "crr>0.5", outcomes = c("crr"), above = c(TRUE), rates = c(0.5))),
    list(list(outcome = "crr", given = "orr", rate = 0.9))
  ),
  sim_joint = fit_data(
    long_format(sim, list(eff = c("eff_events", "eff_total"), cr = c("cr_events", "cr_total"),
                          tox = c("tox_events", "tox_total"))),
    list(list(text = "eff>0.6,tox<0.2", outcomes = c("eff", "tox"), above = c(TRUE, FALSE),
              rates = c(0.6, 0.2))),
    list(list(outcome = "cr", given = "eff", rate = 0.7))
  )
)
out <- file.path(root, "validation", "joint", "brms_reference.json")
tmp <- paste0(out, ".tmp")
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE), tmp)
invisible(file.rename(tmp, out))
cat("wrote", out, "\n")
