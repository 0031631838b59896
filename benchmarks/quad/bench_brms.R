# Timing of brms on the CAR-T objective-response outcome (random-intercept model, bayesmeta's
# default priors, 4 chains x 1000 draws after 1000 warmup, cores = 1), for benchmarks/quad.
# Reports the compile time of the first fit and the sampling time of a refit with
# update(newdata = ...) (no recompilation), and the whole Rscript process time is measured by
# bench_quad.py. Usage: Rscript benchmarks/quad/bench_brms.R  -> prints JSON on stdout.
suppressPackageStartupMessages({
  library(brms)
  library(jsonlite)
})
raw <- read.csv(file.path("bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)
keep <- !is.na(raw$orr_events) & !is.na(raw$orr_total)
d <- data.frame(study = raw$study[keep], y = raw$orr_events[keep], n = raw$orr_total[keep])
priors <- c(prior(normal(0, 2.5), class = Intercept), prior(normal(0, 1.5), class = sd))
t0 <- proc.time()[["elapsed"]]
fit <- brm(y | trials(n) ~ 1 + (1 | study), data = d, family = binomial(), prior = priors,
           chains = 4, cores = 1, iter = 2000, warmup = 1000, seed = 1, refresh = 0, silent = 2)
t1 <- proc.time()[["elapsed"]]
d2 <- d
d2$y[1] <- d2$y[1] - 1
fit2 <- update(fit, newdata = d2, chains = 4, cores = 1, iter = 2000, warmup = 1000, seed = 2,
               refresh = 0, silent = 2)
t2 <- proc.time()[["elapsed"]]
cat(toJSON(list(first_fit_with_compile = t1 - t0, refit_no_compile = t2 - t1), auto_unbox = TRUE), "\n")
