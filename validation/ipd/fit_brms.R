# brms/Stan references for the Bayesian one-stage IPD model (bayesmeta.ipd.bayes, issue 21).
#
#   y | trials(n) ~ 0 + Intercept + x_within + x_across + z_within + z_across + (1 | trial)
#
# Same data and within/across construction as fit_glmer.R ("ipd": patient rows; "ipd_ad": plus
# the aggregate trials as one binomial row each, within = 0, across = the reported mean). Priors
# as bayesmeta.ipd's defaults: every coefficient normal(0, 2.5) (uncentred: "0 + Intercept"),
# tau ~ halfnormal(1.5) (brms truncates normal(0, 1.5) at 0). 4 chains x 5000 draws after 1000
# warmup, adapt_delta 0.95, seed 20261206. Pinned: median, 2.5% and 97.5% quantiles and their
# MCSEs (posterior::mcse_quantile) of every coefficient, tau and the within - across
# differences, P(difference < 0); diagnostics.
#
# Usage (repository root): Rscript validation/ipd/fit_brms.R -> validation/ipd/brms.json

suppressPackageStartupMessages({
  library(brms)
  library(posterior)
  library(jsonlite)
})

SEED <- 20261206
root <- getwd()
here <- file.path(root, "validation", "ipd")
pat <- read.csv(file.path(here, "patients.csv"), stringsAsFactors = FALSE)
agg <- read.csv(file.path(here, "aggregate.csv"), stringsAsFactors = FALSE)
xbar <- ave(pat$x, pat$trial)
zbar <- ave(pat$z, pat$trial)
ipd <- data.frame(trial = pat$trial, y = pat$y, n = 1,
                  x_within = pat$x - xbar, x_across = xbar,
                  z_within = pat$z - zbar, z_across = zbar)
ad <- data.frame(trial = agg$trial, y = agg$events, n = agg$total,
                 x_within = 0, x_across = agg$x, z_within = 0, z_across = agg$z)

summ <- function(x) {
  q <- quantile(x, c(0.5, 0.025, 0.975), names = FALSE)
  list(median = q[1], lo = q[2], hi = q[3], mcse_median = mcse_quantile(x, 0.5),
       mcse_lo = mcse_quantile(x, 0.025), mcse_hi = mcse_quantile(x, 0.975))
}
names_bm <- c(Intercept = "intercept", x_within = "x:within", x_across = "x:across",
              z_within = "z:within", z_across = "z:across")

form <- bf(y | trials(n) ~ 0 + Intercept + x_within + x_across + z_within + z_across + (1 | trial))
priors <- c(prior(normal(0, 2.5), class = b), prior(normal(0, 1.5), class = sd))
fit0 <- brm(form, data = ipd, family = binomial(), prior = priors, chains = 4, iter = 6000,
            warmup = 1000, cores = 1, seed = SEED, control = list(adapt_delta = 0.95),
            refresh = 0, silent = 2, file = if (nzchar(Sys.getenv("BRMS_CACHE"))) Sys.getenv("BRMS_CACHE") else NULL)

summarise <- function(fit) {
  dr <- as.data.frame(as_draws_df(fit))
  coef <- list()
  for (v in names(names_bm)) coef[[names_bm[[v]]]] <- summ(dr[[paste0("b_", v)]])
  diffs <- list()
  for (m in c("x", "z")) {
    d <- dr[[paste0("b_", m, "_within")]] - dr[[paste0("b_", m, "_across")]]
    diffs[[m]] <- c(summ(d), list(prob_negative = mean(d < 0)))
  }
  np <- nuts_params(fit)
  list(coefficients = coef, differences = diffs, tau = summ(dr$sd_trial__Intercept),
       diagnostics = list(divergences = sum(subset(np, Parameter == "divergent__")$Value),
                          rhat_max = max(brms::rhat(fit), na.rm = TRUE), draws = nrow(dr)))
}

out <- list(
  brms = as.character(packageVersion("brms")),
  generator = "validation/ipd/make_data.py (seed 20261206)",
  ipd = summarise(fit0),
  ipd_ad = summarise(update(fit0, newdata = rbind(ipd, ad), recompile = FALSE, seed = SEED,
                            refresh = 0, silent = 2))
)
tmp <- file.path(here, "brms.json.tmp")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), tmp)
file.rename(tmp, file.path(here, "brms.json"))
