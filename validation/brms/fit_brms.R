# Reference posteriors from brms/Stan for the Bayesian core of bayesmeta (issue 4).
#
# Fits, for each CAR-T outcome of the bundled data (orr, crr, death):
#   random    y | trials(n) ~ 1 + (1 | study)
#   subgroup  y | trials(n) ~ 0 + cancer_type + (1 | study)        (one tau)
#   separate  y | trials(n) ~ 0 + cancer_type + (1 | gr(study, by = cancer_type))  (tau per level)
# with the bayesmeta default priors: mu / group means ~ normal(0, 2.5), tau ~ halfnormal(1.5)
# (brms puts a normal prior on class sd truncated at 0, i.e. a half-normal).
#
# Each model structure is compiled once and refitted with update(newdata = ...).
# Pinned: median, 2.5% and 97.5% quantiles and the MCSE of each quantile (posterior::mcse_quantile)
# of mu, tau, expit(mu), the population-averaged rate E[expit(mu + u)] (Gauss-Hermite, 61 nodes,
# computed here independently of bayesmeta), per-level rates and contrasts.
#
# Usage (from the repository root, one R job at a time, ~3 minutes mostly compiling):
#   Rscript validation/brms/fit_brms.R
# Writes validation/brms/reference.json atomically.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

SEED <- 20251121
CHAINS <- 4
ITER <- 3000 # 1000 warmup + 2000 draws per chain -> 8000 draws
WARMUP <- 1000
ADAPT_DELTA <- 0.95
root <- getwd()
csv <- file.path(root, "bayesmeta", "data", "cart_wu2025.csv")
out <- file.path(root, "validation", "brms", "reference.json")
stopifnot(file.exists(csv))
raw <- read.csv(csv, stringsAsFactors = FALSE)

outcomes <- list(
  orr = c("orr_events", "orr_total"),
  crr = c("crr_events", "crr_total"),
  death = c("dead_events", "dead_total")
)

# Probabilists' Gauss-Hermite rule (weight exp(-x^2/2)/sqrt(2 pi)) by Golub-Welsch.
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
  # E[expit(mu + tau Z)] per draw
  vapply(seq_along(mu), function(d) sum(GH$w * plogis(mu[d] + tau[d] * GH$x)), 0.0)
}

summ <- function(x) {
  q <- quantile(x, c(0.5, 0.025, 0.975), names = FALSE, type = 7)
  list(
    median = q[1], lo = q[2], hi = q[3],
    mcse_median = mcse_quantile(x, 0.5),
    mcse_lo = mcse_quantile(x, 0.025),
    mcse_hi = mcse_quantile(x, 0.975)
  )
}

priors_random <- c(
  prior(normal(0, 2.5), class = Intercept),
  prior(normal(0, 1.5), class = sd)
)
priors_sub <- c(
  prior(normal(0, 2.5), class = b),
  prior(normal(0, 1.5), class = sd)
)

fit_or_update <- function(cache, formula, data, prior) {
  if (is.null(cache)) {
    brm(formula, data = data, family = binomial(), prior = prior,
        chains = CHAINS, iter = ITER, warmup = WARMUP, cores = 1, seed = SEED,
        control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2)
  } else {
    update(cache, newdata = data, chains = CHAINS, iter = ITER, warmup = WARMUP, cores = 1,
           seed = SEED, control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2)
  }
}

diag_of <- function(fit) {
  np <- nuts_params(fit)
  s <- summarise_draws(as_draws_array(fit), "rhat", "ess_bulk", "ess_tail")
  s <- s[!grepl("^(lp__|lprior)", s$variable), ]
  list(
    divergences = sum(np$Value[np$Parameter == "divergent__"]),
    rhat_max = max(s$rhat, na.rm = TRUE),
    ess_bulk_min = min(s$ess_bulk, na.rm = TRUE),
    ess_tail_min = min(s$ess_tail, na.rm = TRUE)
  )
}

cache <- list(random = NULL, subgroup = NULL, separate = NULL)
result <- list(
  meta = list(
    brms = as.character(packageVersion("brms")),
    rstan = as.character(packageVersion("rstan")),
    seed = SEED, chains = CHAINS, draws_per_chain = ITER - WARMUP, adapt_delta = ADAPT_DELTA,
    priors = list(mu = "normal(0, 2.5)", beta = "normal(0, 2.5)", tau = "halfnormal(1.5)"),
    gauss_hermite_nodes = 61,
    script = "validation/brms/fit_brms.R"
  ),
  fits = list()
)

for (outcome in names(outcomes)) {
  cols <- outcomes[[outcome]]
  keep <- !is.na(raw[[cols[1]]]) & !is.na(raw[[cols[2]]])
  d <- data.frame(
    study = raw$study[keep],
    y = as.integer(raw[[cols[1]]][keep]),
    n = as.integer(raw[[cols[2]]][keep]),
    cancer_type = raw$cancer_type[keep],
    stringsAsFactors = FALSE
  )
  levels_ct <- sort(unique(d$cancer_type))
  d$cancer_type <- factor(d$cancer_type, levels = levels_ct)
  cat(outcome, ": k =", nrow(d), "\n")

  # ---- random intercept ----
  fit <- fit_or_update(cache$random, bf(y | trials(n) ~ 1 + (1 | study)), d, priors_random)
  cache$random <- fit
  dr <- as_draws_df(fit)
  mu <- dr$b_Intercept
  tau <- dr$sd_study__Intercept
  result$fits[[paste0(outcome, "_random")]] <- list(
    k = nrow(d),
    diagnostics = diag_of(fit),
    mu = summ(mu), tau = summ(tau),
    pooled_median = summ(plogis(mu)),
    pooled_mean = summ(pop_mean(mu, tau))
  )

  # ---- subgroups by cancer type ----
  for (variant in c("subgroup", "separate")) {
    formula <- if (variant == "subgroup") {
      bf(y | trials(n) ~ 0 + cancer_type + (1 | study))
    } else {
      bf(y | trials(n) ~ 0 + cancer_type + (1 | gr(study, by = cancer_type)))
    }
    # update() recompiles by itself when the Stan code changes (e.g. another number of levels)
    fit <- fit_or_update(cache[[variant]], formula, d, priors_sub)
    cache[[variant]] <- fit
    dr <- as_draws_df(fit)
    entry <- list(k = nrow(d), levels = levels_ct, diagnostics = diag_of(fit),
                  rates = list(), rates_mean = list(), mu = list(), tau = list(), contrasts = list())
    eta_study <- matrix(0, nrow(dr), nrow(d))
    mean_study <- matrix(0, nrow(dr), nrow(d))
    rate_draws <- list()
    for (lv in levels_ct) {
      m <- dr[[paste0("b_cancer_type", lv)]]
      t <- if (variant == "subgroup") dr$sd_study__Intercept else dr[[paste0("sd_study__Intercept:cancer_type", lv)]]
      entry$mu[[lv]] <- summ(m)
      entry$rates[[lv]] <- summ(plogis(m))
      pm <- pop_mean(m, t)
      entry$rates_mean[[lv]] <- summ(pm)
      if (variant == "separate") entry$tau[[lv]] <- summ(t)
      rate_draws[[lv]] <- plogis(m)
      idx <- which(d$cancer_type == lv)
      eta_study[, idx] <- m
      mean_study[, idx] <- pm
    }
    if (variant == "subgroup") entry$tau <- summ(dr$sd_study__Intercept)
    # bayesmeta's pooled_* for a subgroup model: the included studies' mix, each study weighted 1/k
    entry$pooled_median <- summ(plogis(rowMeans(eta_study)))
    entry$pooled_mean <- summ(rowMeans(mean_study))
    for (i in seq_along(levels_ct)) for (j in seq_along(levels_ct)) if (i < j) {
      a <- levels_ct[i]; b <- levels_ct[j]
      diff <- rate_draws[[a]] - rate_draws[[b]]
      s <- summ(diff)
      s$a <- a; s$b <- b; s$prob_a_greater <- mean(diff > 0)
      entry$contrasts[[length(entry$contrasts) + 1]] <- s
    }
    result$fits[[paste0(outcome, "_", variant)]] <- entry
  }
}

tmp <- paste0(out, ".tmp")
writeLines(toJSON(result, auto_unbox = TRUE, digits = 8, pretty = TRUE), tmp)
file.rename(tmp, out)
cat("wrote", out, "\n")
