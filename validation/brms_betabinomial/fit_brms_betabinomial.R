# brms/Stan references for the beta-binomial likelihood (issue 19, part 4).
#
#   y | trials(n) ~ 0 + Intercept                 (crr: CAR-T complete response; pritz1997)
#   y | trials(n) ~ 0 + Intercept + ethnicity     (debruin2009)
#   family = beta_binomial(): y ~ BetaBinomial(n, mu phi, (1 - mu) phi), logit(mu) = x' beta
#
# Data: the bundled CAR-T CRR counts (bayesmeta/data/cart_wu2025.csv, studies with both counts),
# metadat's dat.pritz1997 (14 studies of a proportion, two with every patient an event) and
# dat.debruin2009 (13 studies of HAART adherence, covariate ethnicity: caucasian = reference,
# other). Treatment coding, uncentred ("0 + Intercept"), as bayesmeta.design.
# Priors as bayesmeta's defaults: every coefficient normal(0, 2.5); phi ~ gamma(0.01, 0.01)
# (brms's default for beta_binomial, set explicitly here).
# 4 chains x 10000 draws after 1000 warmup, adapt_delta 0.95, seed 20261206; each structure is
# compiled once (crr and pritz1997 share one model through update(newdata = ...)).
#
# Pinned: median, 2.5% and 97.5% quantiles and their MCSEs (posterior::mcse_quantile) of every
# coefficient, phi, the ICC 1 / (1 + phi), the pooled mean rate (mean over the studies of
# mu_i = expit(x_i' beta), the population-averaged rate of a beta-binomial model), the pooled
# median-study rate (median of Beta(mu phi, (1 - mu) phi) at the mean covariates, qbeta), the
# mean rate of each level and contrasts with P(a > b), a new study's rate (one Beta draw per
# posterior draw, the covariate pattern of a study drawn at random) and every study's rate (one
# Beta(y + mu phi, n - y + (1 - mu) phi) draw per posterior draw); brms's PSIS-LOO (pointwise
# elpd and the Monte Carlo SE of the sum); diagnostics; the data themselves.
#
# Usage (repository root, ~3 minutes): nice -n 10 Rscript validation/brms_betabinomial/fit_brms_betabinomial.R
# Writes validation/brms_betabinomial/reference.json atomically.

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
  library(metadat)
  library(loo)
})

SEED <- 20261206
CHAINS <- 4
ITER <- 11000
WARMUP <- 1000
ADAPT_DELTA <- 0.95
root <- getwd()
out <- file.path(root, "validation", "brms_betabinomial", "reference.json")
raw <- read.csv(file.path(root, "bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)

summ <- function(x) {
  q <- quantile(x, c(0.5, 0.025, 0.975), names = FALSE, type = 7)
  list(median = q[1], lo = q[2], hi = q[3], mcse_median = mcse_quantile(x, 0.5),
       mcse_lo = mcse_quantile(x, 0.025), mcse_hi = mcse_quantile(x, 0.975))
}

crr <- raw[!is.na(raw$crr_events) & !is.na(raw$crr_total), ]
DATA <- list(
  crr = data.frame(study = crr$study, y = crr$crr_events, n = crr$crr_total),
  pritz1997 = with(dat.pritz1997, data.frame(study = paste(study, authors), y = xi, n = ni)),
  debruin2009 = with(dat.debruin2009, data.frame(study = paste(author, year), y = xi, n = ni,
                                                   ethnicity = factor(ethnicity)))
)
FORMULA <- list(crr = "", pritz1997 = "", debruin2009 = "ethnicity")
PRIORS <- c(prior(normal(0, 2.5), class = b), prior(gamma(0.01, 0.01), class = phi))

compiled <- list()
fit_one <- function(name) {
  d <- DATA[[name]]
  rhs <- FORMULA[[name]]
  key <- if (rhs == "") "intercept" else rhs
  form <- as.formula(paste("y | trials(n) ~ 0 + Intercept", if (rhs == "") "" else paste("+", rhs)))
  if (is.null(compiled[[key]])) {
    fit <- brm(form, data = d, family = beta_binomial(), prior = PRIORS,
               chains = CHAINS, iter = ITER, warmup = WARMUP, cores = 1, seed = SEED,
               control = list(adapt_delta = ADAPT_DELTA), refresh = 0, silent = 2)
    compiled[[key]] <<- fit
  } else {
    fit <- update(compiled[[key]], newdata = d, recompile = FALSE, seed = SEED, refresh = 0,
                  silent = 2)
  }
  X <- model.matrix(as.formula(paste("~", if (rhs == "") "1" else rhs)), d)
  dr <- as.data.frame(as_draws_df(fit))
  bnames <- paste0("b_", sub("\\(Intercept\\)", "Intercept", colnames(X)))
  B <- as.matrix(dr[, bnames, drop = FALSE])
  phi <- dr$phi
  cols <- vapply(colnames(X), function(c) {
    if (c == "(Intercept)") return("intercept")
    if (startsWith(c, "ethnicity")) return(paste0("ethnicity[", substring(c, 10), "]"))
    c
  }, "")
  coef <- list()
  for (j in seq_len(ncol(X))) coef[[cols[j]]] <- summ(B[, j])
  eta <- B %*% t(X)                                   # draws x k
  mu <- plogis(eta)
  xbar <- colMeans(X)
  mu_bar <- plogis(as.vector(B %*% xbar))
  set.seed(SEED)
  pick <- sample.int(nrow(d), nrow(B), replace = TRUE)
  mu_new <- mu[cbind(seq_len(nrow(B)), pick)]
  new_study <- rbeta(nrow(B), mu_new * phi, (1 - mu_new) * phi)
  study_rates <- list()
  for (i in seq_len(nrow(d))) {
    p <- rbeta(nrow(B), d$y[i] + mu[, i] * phi, d$n[i] - d$y[i] + (1 - mu[, i]) * phi)
    s <- summ(p); s$study <- d$study[i]
    study_rates[[i]] <- s
  }
  rates <- list(); contrasts <- list()
  if (rhs != "") {
    lv <- levels(d[[rhs]])
    for (l in lv) {
      row <- xbar
      for (o in lv[-1]) row[paste0(rhs, o)] <- as.numeric(o == l)
      rates[[l]] <- plogis(as.vector(B %*% row))
    }
    pairs <- combn(lv, 2)
    for (c in seq_len(ncol(pairs))) {
      a <- pairs[1, c]; b <- pairs[2, c]; diff <- rates[[a]] - rates[[b]]
      s <- summ(diff); s$a <- a; s$b <- b; s$prob_a_greater <- mean(diff > 0)
      contrasts[[length(contrasts) + 1]] <- s
    }
  }
  lo <- loo(fit)
  np <- nuts_params(fit)
  res <- list(
    k = nrow(d), formula = rhs, columns = unname(cols),
    data = list(study = d$study, events = d$y, total = d$n,
                covariate = if (rhs == "") NULL else as.character(d[[rhs]])),
    divergences = sum(np$Value[np$Parameter == "divergent__"]),
    rhat_max = max(brms::rhat(fit), na.rm = TRUE),
    ess_bulk_min = min(summarise_draws(as_draws_df(fit), "ess_bulk")$ess_bulk, na.rm = TRUE),
    coefficients = coef, phi = summ(phi), icc = summ(1 / (1 + phi)),
    pooled_mean = summ(rowMeans(mu)),
    pooled_median = summ(qbeta(0.5, mu_bar * phi, (1 - mu_bar) * phi)),
    new_study = summ(new_study), study_rates = study_rates,
    rates = lapply(rates, summ), contrasts = contrasts,
    loo = list(elpd_loo = lo$estimates["elpd_loo", "Estimate"],
               se_elpd_loo = lo$estimates["elpd_loo", "SE"],
               mcse_elpd_loo = loo::mcse_loo(lo),
               pareto_k_max = max(lo$diagnostics$pareto_k),
               pointwise = unname(lo$pointwise[, "elpd_loo"]))
  )
  cat(name, "done\n")
  res
}

result <- list(
  meta = list(brms = as.character(packageVersion("brms")), seed = SEED, chains = CHAINS,
              draws_per_chain = ITER - WARMUP, adapt_delta = ADAPT_DELTA,
              priors = list(b = "normal(0, 2.5)", phi = "gamma(0.01, 0.01)"),
              script = "validation/brms_betabinomial/fit_brms_betabinomial.R")
)
for (name in names(DATA)) result[[name]] <- fit_one(name)
writeLines(toJSON(result, auto_unbox = TRUE, digits = 8, pretty = TRUE, null = "null"),
           paste0(out, ".tmp"))
file.rename(paste0(out, ".tmp"), out)
cat("wrote", out, "\n")
