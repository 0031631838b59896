# Time per fit of metafor's rma (DL) and rma.glmm (PLO) on the CAR-T outcomes.
# Usage (repository root): Rscript benchmarks/freq/bench_metafor.R [repeats]
# Prints one CSV line per outcome and fit: engine,outcome,fit,ms_per_fit
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
repeats <- if (length(args)) as.integer(args[1]) else 20L
cart <- read.csv("bayesmeta/data/cart_wu2025.csv")
outcomes <- list(orr = c("orr_events", "orr_total"), crr = c("crr_events", "crr_total"),
                 death = c("dead_events", "dead_total"))
per_fit <- function(f) {
  f()  # warm-up
  t <- system.time(for (i in seq_len(repeats)) f())[["elapsed"]]
  1000 * t / repeats
}
for (nm in names(outcomes)) {
  cols <- outcomes[[nm]]
  d <- cart[!is.na(cart[[cols[1]]]), ]
  xi <- d[[cols[1]]]; ni <- d[[cols[2]]]
  dl <- per_fit(function() rma(measure = "PLO", xi = xi, ni = ni, method = "DL"))
  glmm <- per_fit(function() rma.glmm(measure = "PLO", xi = xi, ni = ni))
  cat(sprintf("metafor,%s,DL,%.2f\n", nm, dl))
  cat(sprintf("metafor,%s,GLMM,%.2f\n", nm, glmm))
}
