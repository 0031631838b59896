# brms (Stan) beside bayesmeta's NUTS, warm: driven by bench_nuts_brms.py over stdin.
# Compiles the random-intercept binomial-logit model once (bayesmeta's default priors:
# Intercept ~ normal(0, 2.5), sd ~ half-normal(1.5)), prints a READY line with the compile time,
# then for every line "SEED" read from stdin refits with update(recompile = FALSE) and prints one
# JSON line: wall seconds of the update() call, Stan's own sampling seconds, and the bulk and
# tail ESS of the Intercept and the sd (posterior::summarise_draws).
# Usage (by the Python driver): Rscript bench_nuts_brms.R DATA.csv CORES
suppressPackageStartupMessages({
  library(brms)
  library(jsonlite)
  library(posterior)
})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
cores <- as.integer(args[2])
priors <- c(prior(normal(0, 2.5), class = Intercept), prior(normal(0, 1.5), class = sd))
t0 <- proc.time()[["elapsed"]]
fit <- brm(y | trials(n) ~ 1 + (1 | study), data = d, family = binomial(), prior = priors,
           chains = 4, cores = cores, iter = 2000, warmup = 1000, seed = 1, refresh = 0,
           silent = 2)
cat(toJSON(list(ready = TRUE, compile_and_first_fit = proc.time()[["elapsed"]] - t0),
           auto_unbox = TRUE), "\n")
con <- file("stdin")
open(con)
while (length(line <- readLines(con, n = 1)) > 0) {
  seed <- as.integer(line)
  t1 <- proc.time()[["elapsed"]]
  refit <- update(fit, recompile = FALSE, chains = 4, cores = cores, iter = 2000,
                  warmup = 1000, seed = seed, refresh = 0, silent = 2)
  wall <- proc.time()[["elapsed"]] - t1
  times <- rstan::get_elapsed_time(refit$fit)
  s <- summarise_draws(as_draws_df(refit, variable = c("b_Intercept", "sd_study__Intercept")),
                       "ess_bulk", "ess_tail")
  divergent <- sum(sapply(rstan::get_sampler_params(refit$fit, inc_warmup = FALSE),
                          function(p) sum(p[, "divergent__"])))
  cat(toJSON(list(wall = wall, stan_seconds = sum(times), ess_bulk_min = min(s$ess_bulk),
                  ess_tail_min = min(s$ess_tail), divergences = divergent),
             auto_unbox = TRUE, digits = NA), "\n")
  flush(stdout())
}
