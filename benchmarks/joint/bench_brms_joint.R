# Timing of brms on the joint model of the CAR-T data (orr, crr, dead), for benchmarks/joint:
#   x | trials(n) ~ 0 + outcome + (0 + outcome | id), bayesmeta's default priors
#   (normal(0, 2.5), half-normal(1.5), lkj(2)), 4 chains x 1000 draws after 1000 warmup, cores = 1.
# The first fit compiles; the refit uses update(newdata = ...) on the compiled model ("warm").
# Elapsed and CPU seconds (proc.time: user + system) of each.
# Usage (from the repository root): Rscript benchmarks/joint/bench_brms_joint.R -> JSON on stdout.
suppressPackageStartupMessages({
  library(brms)
  library(jsonlite)
})
raw <- read.csv(file.path("bayesmeta", "data", "cart_wu2025.csv"), stringsAsFactors = FALSE)
rows <- list()
for (name in c("orr", "crr", "dead")) {
  e <- raw[[paste0(name, "_events")]]
  n <- raw[[paste0(name, "_total")]]
  keep <- !is.na(e) & !is.na(n)
  rows[[name]] <- data.frame(id = raw$study[keep], outcome = name, x = e[keep], n = n[keep])
}
d <- do.call(rbind, rows)
d$outcome <- factor(d$outcome, levels = c("orr", "crr", "dead"))
priors <- c(prior(normal(0, 2.5), class = b), prior(normal(0, 1.5), class = sd),
            prior(lkj(2), class = cor))
clock <- function() {
  t <- proc.time()
  c(elapsed = t[["elapsed"]], cpu = t[["user.self"]] + t[["sys.self"]])
}
t0 <- clock()
fit <- brm(x | trials(n) ~ 0 + outcome + (0 + outcome | id), data = d, family = binomial(),
           prior = priors, chains = 4, cores = 1, iter = 2000, warmup = 1000, seed = 1,
           refresh = 0, silent = 2)
t1 <- clock()
d2 <- d
d2$x[1] <- d2$x[1] - 1
fit2 <- update(fit, newdata = d2, chains = 4, cores = 1, iter = 2000, warmup = 1000, seed = 2,
               refresh = 0, silent = 2)
t2 <- clock()
cat(toJSON(list(
  first_fit_with_compile = list(elapsed = t1[["elapsed"]] - t0[["elapsed"]], cpu = t1[["cpu"]] - t0[["cpu"]]),
  refit_warm = list(elapsed = t2[["elapsed"]] - t1[["elapsed"]], cpu = t2[["cpu"]] - t1[["cpu"]]),
  brms = as.character(packageVersion("brms")), rstan = as.character(packageVersion("rstan"))
), auto_unbox = TRUE), "\n")
