# Log marginal likelihoods (evidence) of the CAR-T models from brms/Stan + bridgesampling.
#
# An outside reference for bayesmeta's exact log_evidence and Bayes factors (issues 11 and 12).
# For each outcome (orr, crr, death), with the bayesmeta default priors
# (mu and coefficients ~ normal(0, 2.5), tau ~ halfnormal(1.5)):
#   random    y | trials(n) ~ 1 + (1 | study)
#   common    y | trials(n) ~ 1
#   subgroup  y | trials(n) ~ 0 + cancer_type + (1 | study)                     (one tau)
#   separate  y | trials(n) ~ 0 + cancer_type + (1 | gr(study, by = cancer_type)) (tau per level)
#   subgroup_common  y | trials(n) ~ 0 + cancer_type                             (tau = 0)
# and two regressions (treatment coding, uncentred, as bayesmeta.formula):
#   crr ~ 0 + Intercept + cancer_type + country + (1 | study)
#   orr ~ 0 + Intercept + age_median + (1 | study)
# Stan's binomial_logit_lpmf and brms' normalized priors (normalize = TRUE, the default) keep every
# constant, so logml is log p(y) with the binomial coefficients, as bayesmeta reports it.
# bridge_sampler (warp3) needs save_pars(all = TRUE); its error is reported as the standard
# deviation of logml over repeated bridge-sampling runs on the same draws.
#
# Usage (repository root, one R job at a time, ~10 minutes mostly compiling):
#   Rscript validation/evidence/bridgesampling.R
# Writes validation/evidence/bridgesampling.json.

suppressPackageStartupMessages({
  library(brms)
  library(bridgesampling)
  library(jsonlite)
})

SEED <- 20251121
CHAINS <- 4
ITER <- 6000
WARMUP <- 1000
REPS <- 5
root <- getwd()
csv <- file.path(root, "bayesmeta", "data", "cart_wu2025.csv")
out <- file.path(root, "validation", "evidence", "bridgesampling.json")
stopifnot(file.exists(csv))
raw <- read.csv(csv, stringsAsFactors = FALSE)

outcomes <- list(
  orr = c("orr_events", "orr_total"),
  crr = c("crr_events", "crr_total"),
  death = c("dead_events", "dead_total")
)

prep <- function(cols, covariates = character()) {
  keep <- !is.na(raw[[cols[1]]]) & !is.na(raw[[cols[2]]])
  for (cv in covariates) keep <- keep & !is.na(raw[[cv]]) & raw[[cv]] != ""
  d <- data.frame(study = raw$study[keep], y = as.integer(raw[[cols[1]]][keep]),
                  n = as.integer(raw[[cols[2]]][keep]))
  for (cv in covariates) {
    v <- raw[[cv]][keep]
    d[[cv]] <- if (is.numeric(v)) v else factor(v, levels = sort(unique(v)))
  }
  d
}

p_mu <- prior(normal(0, 2.5), class = Intercept)
p_b <- prior(normal(0, 2.5), class = b)
p_sd <- prior(normal(0, 1.5), class = sd)

structures <- list(
  random = list(f = brms::bf(y | trials(n) ~ 1 + (1 | study)), prior = c(p_mu, p_sd), cov = character()),
  common = list(f = brms::bf(y | trials(n) ~ 1), prior = p_mu, cov = character()),
  subgroup = list(f = brms::bf(y | trials(n) ~ 0 + cancer_type + (1 | study)), prior = c(p_b, p_sd),
                  cov = "cancer_type"),
  separate = list(f = brms::bf(y | trials(n) ~ 0 + cancer_type + (1 | gr(study, by = cancer_type))),
                  prior = c(p_b, p_sd), cov = "cancer_type"),
  subgroup_common = list(f = brms::bf(y | trials(n) ~ 0 + cancer_type), prior = p_b, cov = "cancer_type")
)
regressions <- list(
  crr_cancer_type_country = list(outcome = "crr",
    f = brms::bf(y | trials(n) ~ 0 + Intercept + cancer_type + country + (1 | study)),
    prior = c(p_b, p_sd), cov = c("cancer_type", "country")),
  orr_age_median = list(outcome = "orr",
    f = brms::bf(y | trials(n) ~ 0 + Intercept + age_median + (1 | study)),
    prior = c(p_b, p_sd), cov = "age_median")
)

compiled <- list()
run <- function(key, f, prior, d) {
  if (is.null(compiled[[key]])) {
    fit <- brm(f, data = d, family = binomial(), prior = prior, chains = CHAINS, iter = ITER,
               warmup = WARMUP, cores = 1, seed = SEED, refresh = 0, silent = 2,
               control = list(adapt_delta = 0.95), save_pars = save_pars(all = TRUE))
    compiled[[key]] <<- fit
  } else {
    fit <- update(compiled[[key]], newdata = d, recompile = FALSE, seed = SEED, refresh = 0,
                  silent = 2)
  }
  set.seed(SEED)
  bs <- bridge_sampler(fit, method = "warp3", repetitions = REPS, silent = TRUE)
  np <- nuts_params(fit)
  # brms 2.18 bug: with gr(..., by = g) the sd is a matrix [1, L] with a normal prior truncated at
  # 0, but the generated Stan code subtracts normal_lccdf(0 | 0, 1.5) = log(1/2) once instead of
  # L times (see make_stancode). Posteriors are unaffected; the marginal likelihood is too low by
  # (L - 1) log 2. We add that back and keep the raw value beside it.
  levels_by <- if (grepl("by = ", deparse1(f$formula))) nlevels(d$cancer_type) else 1L
  correction <- (levels_by - 1) * log(2)
  list(
    logml = mean(bs$logml) + correction, logml_raw = mean(bs$logml),
    truncation_correction = correction, logml_sd = sd(bs$logml), k = nrow(d),
    divergences = sum(np$Value[np$Parameter == "divergent__"]),
    rhat_max = max(rhat(fit), na.rm = TRUE)
  )
}

result <- list()
for (name in names(outcomes)) {
  result[[name]] <- list()
  for (s in names(structures)) {
    st <- structures[[s]]
    d <- prep(outcomes[[name]], st$cov)
    cat(name, s, "k =", nrow(d), "\n")
    result[[name]][[s]] <- run(s, st$f, st$prior, d)
  }
}
result$regression <- list()
for (r in names(regressions)) {
  rg <- regressions[[r]]
  d <- prep(outcomes[[rg$outcome]], rg$cov)
  cat(r, "k =", nrow(d), "\n")
  result$regression[[r]] <- run(r, rg$f, rg$prior, d)
}
result$meta <- list(
  brms = as.character(packageVersion("brms")),
  bridgesampling = as.character(packageVersion("bridgesampling")),
  rstan = as.character(packageVersion("rstan")),
  seed = SEED, chains = CHAINS, draws_per_chain = ITER - WARMUP, method = "warp3",
  repetitions = REPS,
  priors = "mu and coefficients normal(0, 2.5); tau halfnormal(1.5) (brms normal(0, 1.5) on class sd)"
)
tmp <- paste0(out, ".tmp")
write(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE), tmp)
file.rename(tmp, out)
cat("wrote", out, "\n")
