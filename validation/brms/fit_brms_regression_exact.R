# brms/Stan references for the exact meta-regression engine (issue 11, item 2).
#
#   crr: y | trials(n) ~ 0 + Intercept + cancer_type + country + (1 | study)
#   orr: y | trials(n) ~ 0 + Intercept + age_median + (1 | study)
#
# Treatment coding with the first sorted level as reference, uncentred ("0 + Intercept"), as
# bayesmeta.formula; priors as bayesmeta's defaults: every coefficient normal(0, 2.5) (the
# intercept gets the mu prior, the slopes the beta prior, both normal(0, 2.5)), tau ~
# halfnormal(1.5). 4 chains x 5000 draws after 1000 warmup, adapt_delta 0.95.
# Pinned: median, 2.5%, 97.5% quantiles and their MCSEs (posterior::mcse_quantile) of every
# coefficient, tau, the per-level rates (other columns at their study mean, as
# bayesmeta.bayes.derived.level_profile), expit(mean eta), the population-averaged rate
# (61-node Gauss-Hermite, written here independently), contrasts and P(a > b).
#
# Usage (repository root): Rscript validation/brms/fit_brms_regression_exact.R [model]
# Writes validation/brms/reference_regression_exact.json atomically; with a model name
# ("crr_cancer_type_country" or "orr_age_median") fits only that one and writes
# reference_regression_exact_<model>.json (to run the two compilations in parallel; merge the
# parts with validation/brms/merge_regression_exact.py).

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

SEED <- 20261129
CHAINS <- 4
ITER <- 6000
WARMUP <- 1000
root <- getwd()
raw <- read.csv(file.path(root, "bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)

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
  out <- numeric(length(eta))
  for (j in seq_along(GH$x)) out <- out + GH$w[j] * plogis(eta + tau * GH$x[j])
  out
}
summ <- function(x) {
  q <- quantile(x, c(0.5, 0.025, 0.975), names = FALSE)
  list(median = q[1], lo = q[2], hi = q[3], mcse_median = mcse_quantile(x, 0.5),
       mcse_lo = mcse_quantile(x, 0.025), mcse_hi = mcse_quantile(x, 0.975))
}
bm_name <- function(col) {
  # model.matrix name -> bayesmeta.formula name
  if (col == "(Intercept)") return("intercept")
  for (f in c("cancer_type", "country")) {
    if (startsWith(col, f)) return(paste0(f, "[", substring(col, nchar(f) + 1), "]"))
  }
  col
}

run <- function(events, total, terms, factors) {
  keep <- !is.na(raw[[events]]) & !is.na(raw[[total]])
  for (t in terms) keep <- keep & !is.na(raw[[t]]) & raw[[t]] != ""
  d <- data.frame(study = raw$study[keep], y = raw[[events]][keep], n = raw[[total]][keep])
  for (t in terms) d[[t]] <- if (t %in% factors) factor(raw[[t]][keep]) else raw[[t]][keep]
  rhs <- paste(terms, collapse = " + ")
  X <- model.matrix(as.formula(paste("~", rhs)), d)
  form <- bf(as.formula(paste("y | trials(n) ~ 0 + Intercept +", rhs, "+ (1 | study)")))
  fit <- brm(form, data = d, family = binomial(),
             prior = c(prior(normal(0, 2.5), class = b), prior(normal(0, 1.5), class = sd)),
             chains = CHAINS, iter = ITER, warmup = WARMUP, cores = 1, seed = SEED,
             control = list(adapt_delta = 0.95), refresh = 0, silent = 2)
  dr <- as_draws_df(fit)
  bnames <- paste0("b_", sub("\\(Intercept\\)", "Intercept", colnames(X)))
  B <- as.matrix(as.data.frame(dr)[, bnames])
  tau <- dr$sd_study__Intercept
  coef <- list()
  for (j in seq_len(ncol(X))) coef[[bm_name(colnames(X)[j])]] <- summ(B[, j])
  eta <- B %*% t(X)                              # draws x k
  rates <- list(); groups <- list()
  several <- length(factors) > 1
  xbar <- colMeans(X)
  for (f in factors) {
    lv <- levels(d[[f]]); names_f <- c()
    for (l in lv) {
      row <- xbar
      for (o in lv[-1]) row[paste0(f, o)] <- as.numeric(o == l)
      nm <- if (several) paste0(f, "[", l, "]") else l
      rates[[nm]] <- plogis(as.vector(B %*% row))
      names_f <- c(names_f, nm)
    }
    groups[[f]] <- names_f
  }
  contrasts <- list()
  for (g in groups) {
    pairs <- combn(g, 2)
    for (c in seq_len(ncol(pairs))) {
      a <- pairs[1, c]; b <- pairs[2, c]; diff <- rates[[a]] - rates[[b]]
      s <- summ(diff); s$a <- a; s$b <- b; s$prob_a_greater <- mean(diff > 0)
      contrasts[[length(contrasts) + 1]] <- s
    }
  }
  pm <- matrix(0, nrow(eta), ncol(eta))
  for (i in seq_len(ncol(eta))) pm[, i] <- pop_mean(eta[, i], tau)
  np <- nuts_params(fit)
  list(k = nrow(d), columns = vapply(colnames(X), bm_name, ""),
       divergences = sum(np$Value[np$Parameter == "divergent__"]),
       rhat_max = max(brms::rhat(fit), na.rm = TRUE),
       tau = summ(tau), coefficients = coef,
       rates = lapply(rates, summ), contrasts = contrasts,
       pooled_median = summ(plogis(rowMeans(eta))),
       pooled_mean = summ(rowMeans(pm)))
}

MODELS <- list(
  crr_cancer_type_country = function() run("crr_events", "crr_total", c("cancer_type", "country"),
                                            c("cancer_type", "country")),
  orr_age_median = function() run("orr_events", "orr_total", c("age_median"), c())
)
args <- commandArgs(trailingOnly = TRUE)
chosen <- if (length(args)) args else names(MODELS)
result <- list(
  meta = list(brms = as.character(packageVersion("brms")), seed = SEED, chains = CHAINS,
              draws_per_chain = ITER - WARMUP, adapt_delta = 0.95,
              script = "validation/brms/fit_brms_regression_exact.R")
)
for (name in chosen) result[[name]] <- MODELS[[name]]()
suffix <- if (length(args)) paste0("_", paste(args, collapse = "_")) else ""
out <- file.path(root, "validation", "brms", paste0("reference_regression_exact", suffix, ".json"))
writeLines(toJSON(result, auto_unbox = TRUE, digits = 8, pretty = TRUE), paste0(out, ".tmp"))
file.rename(paste0(out, ".tmp"), out)
cat("wrote", out, "\n")
