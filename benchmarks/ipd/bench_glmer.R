# glmer(nAGQ = 7) on the benchmark's 2,000 patients in 90 trials (benchmarks/ipd/patients.csv),
# the same one-stage model as bench_ipd.py (x and z split into within and across parts).
# Median of 5 timed fits after one warm-up; writes benchmarks/ipd/glmer_results.json.
# Usage (repository root, after bench_ipd.py has written patients.csv):
#   Rscript benchmarks/ipd/bench_glmer.R
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
here <- file.path(getwd(), "benchmarks", "ipd")
d <- read.csv(file.path(here, "patients.csv"))
d$x_across <- ave(d$x, d$trial); d$x_within <- d$x - d$x_across
d$z_across <- ave(d$z, d$trial); d$z_within <- d$z - d$z_across
fit1 <- function() glmer(y ~ x_within + x_across + z_within + z_across + (1 | trial),
                         data = d, family = binomial, nAGQ = 7)
fit <- fit1()
times <- replicate(5, system.time(fit1())[["elapsed"]])
out <- list(seconds = median(times), x_within = unname(fixef(fit)["x_within"]),
            lme4 = as.character(packageVersion("lme4")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "glmer_results.json"))
