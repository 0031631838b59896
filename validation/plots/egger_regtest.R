# Egger's regression test (metafor::regtest, model = "lm", predictor = "sei") on the CAR-T
# outcomes, pinned for tests/plots/test_plots_funnel.py. Run: Rscript validation/plots/egger_regtest.R
suppressMessages(library(metafor))
d <- read.csv("bayesmeta/data/cart_wu2025.csv")
out <- list()
for (o in list(c("orr", "orr_events", "orr_total"), c("crr", "crr_events", "crr_total"),
               c("death", "dead_events", "dead_total"))) {
  s <- d[!is.na(d[[o[2]]]), ]
  es <- escalc(measure = "PLO", xi = s[[o[2]]], ni = s[[o[3]]], add = 0.5, to = "only0")
  fit <- rma(yi, vi, data = es, method = "FE")
  rt <- regtest(fit, model = "lm", predictor = "sei")
  out[[o[1]]] <- list(limit = unname(coef(rt$fit)[1]), asymmetry = unname(coef(rt$fit)[2]),
                      t = unname(rt$zval), df = unname(rt$dfs), p = unname(rt$pval))
}
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 12, pretty = TRUE), "\n")
