# Reference values for bayesmeta.freq from R metafor 3.8 (+ metadat data sets).
#
# Run from the repository root:  Rscript validation/metafor/reference.R
# Writes validation/metafor/reference_dev.json (CAR-T outcomes and the data sets used while
# developing) and validation/metafor/reference_unseen.json (data sets kept out of development,
# compared only in the final check). Iterative estimators are run with tight convergence
# controls so that the pinned values are the exact solutions (metafor's defaults stop at
# |change in tau^2| < 1e-5 and PM's uniroot at tol ~1.2e-4); rma.glmm uses its defaults
# (lme4::glmer, nAGQ = 7 adaptive Gauss-Hermite quadrature).
suppressPackageStartupMessages({library(metafor); library(metadat); library(jsonlite)})

tight <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

cart <- read.csv("bayesmeta/data/cart_wu2025.csv", stringsAsFactors = FALSE)
outcome <- function(ev, tot) {
  keep <- !is.na(cart[[ev]]) & !is.na(cart[[tot]])
  d <- cart[keep, ]
  data.frame(study = d$study, xi = d[[ev]], ni = d[[tot]], cancer_type = d$cancer_type,
             country = d$country, age_median = d$age_median, phase = as.character(d$phase),
             antigen = d$antigen, costim_domain = d$costim_domain, stringsAsFactors = FALSE)
}
arm <- function(d, trt, study) {
  d <- d[d$trt == trt, ]
  data.frame(study = as.character(d[[study]]), xi = d$xi, ni = d$ni, stringsAsFactors = FALSE)
}
dev <- list(
  cart_orr = outcome("orr_events", "orr_total"),
  cart_crr = outcome("crr_events", "crr_total"),
  cart_death = outcome("dead_events", "dead_total"),
  debruin2009 = with(dat.debruin2009, data.frame(study = paste(author, year), xi = xi, ni = ni)),
  pritz1997 = with(dat.pritz1997, data.frame(study = paste(study, authors), xi = xi, ni = ni)),
  hannum2020 = with(dat.hannum2020, data.frame(study = paste(seq_along(ni), authorName), xi = xi, ni = ni))
)
unseen <- list(
  hasselblad1998_no_contact = arm(dat.hasselblad1998, "no_contact", "study"),
  hasselblad1998_ind_counseling = arm(dat.hasselblad1998, "ind_counseling", "study"),
  pagliaro1992_control = arm(dat.pagliaro1992, "control", "study"),
  pagliaro1992_sclerotherapy = arm(dat.pagliaro1992, "sclerotherapy", "study")
)

backtransf <- function(measure, x, ni) {
  switch(measure,
         PLO = transf.ilogit(x),
         PFT = transf.ipft.hm(x, targs = list(ni = ni)),
         PAS = transf.iarcsin(x),
         PR = x)
}

rma_case <- function(d, measure, method, test) {
  es <- escalc(measure, xi = xi, ni = ni, data = d)
  fit <- rma(yi, vi, data = es, method = method, test = test, control = tight)
  pr <- predict(fit)
  tau2_ci <- c(NA, NA)
  if (method != "EE") {
    ci <- try(confint(fit, type = "QP", control = list(tol = 1e-12))$random["tau^2", 2:3], silent = TRUE)
    if (!inherits(ci, "try-error")) tau2_ci <- as.numeric(ci)
  }
  bt <- function(x) backtransf(measure, x, d$ni)
  list(measure = measure, method = method, ci_method = test, k = fit$k,
       mu = num(fit$b), se = num(fit$se), tau2 = num(fit$tau2), tau2_ci = tau2_ci,
       i2 = num(fit$I2), h2 = num(fit$H2), q = num(fit$QE), q_p = num(fit$QEp),
       ci_mu = c(num(fit$ci.lb), num(fit$ci.ub)),
       estimate = bt(num(fit$b)), ci = bt(c(num(fit$ci.lb), num(fit$ci.ub))),
       pi = if (method == "EE") c(NA, NA) else bt(c(num(pr$pi.lb), num(pr$pi.ub))),
       yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}

glmm_case <- function(d) {
  fit <- rma.glmm(measure = "PLO", xi = xi, ni = ni, data = d)
  pr <- predict(fit)
  es <- escalc("PLO", xi = xi, ni = ni, data = d)
  k <- fit$k
  list(k = k, mu = num(fit$b), se = num(fit$se), tau2 = num(fit$tau2),
       q = num(fit$QE.Wld), q_p = num(fit$QEp.Wld), q_lrt = num(fit$QE.LRT), q_lrt_p = num(fit$QEp.LRT),
       i2 = 100 * max(0, (fit$QE.Wld - (k - 1)) / fit$QE.Wld), i2_metafor = num(fit$I2),
       h2_metafor = num(fit$H2), loglik = num(fit$fit.stats["ll", "ML"]),
       estimate = transf.ilogit(num(fit$b)), ci = transf.ilogit(c(num(fit$ci.lb), num(fit$ci.ub))),
       pi = transf.ilogit(c(num(pr$pi.lb), num(pr$pi.ub))))
}

# meta's test for subgroup differences with separate tau^2 per group (meta:::subgroup):
# Cochran's Q of the per-group random-effects estimates, weights 1/se^2, df = groups - 1.
qbetween <- function(est, se) {
  w <- 1 / se^2
  sum(w * (est - sum(w * est) / sum(w))^2)
}

# A subgroup of one study: metafor's rma with k = 1 (inverse variance), or the common-effect
# logistic model (GLMM; meta's runGLMM with use.random = FALSE, since rma.glmm needs k > 1).
single_glmm <- function(d) {
  g <- glm(cbind(xi, ni - xi) ~ 1, family = binomial, data = d)
  list(k = 1L, mu = unname(coef(g)[1]), se = unname(sqrt(vcov(g)[1, 1])), tau2 = 0)
}

subgroup_case <- function(d, by, engine, method = "DL") {
  d <- d[!is.na(d[[by]]) & d[[by]] != "", ]
  levs <- sort(unique(d[[by]]))
  groups <- list()
  for (l in levs) {
    dl <- d[d[[by]] == l, ]
    groups[[l]] <- if (engine == "GLMM") {
      if (nrow(dl) == 1) single_glmm(dl) else glmm_case(dl)
    } else rma_case(dl, "PLO", method, "z")
    groups[[l]]$yi <- NULL; groups[[l]]$vi <- NULL
  }
  est <- sapply(groups, function(g) g$mu); se <- sapply(groups, function(g) g$se)
  qb <- qbetween(est, se)
  # common tau^2 (meta's tau.common): the model with the subgroup factor; its omnibus test,
  # and the group means with their SEs from the cell-means parameterisation of that model
  d$grp <- factor(d[[by]], levels = levs)
  if (engine == "GLMM") {
    fc <- rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ grp, data = d)
    fm <- rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ 0 + grp, data = d)
  } else {
    es <- escalc("PLO", xi = xi, ni = ni, data = d)
    fc <- rma(yi, vi, mods = ~ grp, data = es, method = method, control = tight)
    fm <- rma(yi, vi, mods = ~ 0 + grp, data = es, method = method, control = tight)
  }
  list(by = by, engine = engine, method = method, groups = groups,
       q_between = qb, df_between = length(levs) - 1,
       p_between = pchisq(qb, length(levs) - 1, lower.tail = FALSE),
       included = d$study,
       common = list(q_between = num(fc$QM), df_between = num(fc$QMdf[1]), p_between = num(fc$QMp),
                     tau2 = num(fc$tau2), group_mu = setNames(as.list(as.numeric(fm$b)), levs),
                     group_se = setNames(as.list(as.numeric(fm$se)), levs)))
}

# Levels of `by` whose studies have no events at all, or only events (perfect separation).
# If there are any, fit the common-tau^2 GLMM anyway and record lme4's warnings (its fit does
# not converge: singular Hessian, an arbitrary huge coefficient with a huge se); else NULL.
glmm_unfittable <- function(d, by) {
  d <- d[!is.na(d[[by]]) & d[[by]] != "", ]
  levs <- sort(unique(d[[by]]))
  sep <- Filter(function(l) {
    dl <- d[d[[by]] == l, ]
    sum(dl$xi) == 0 || all(dl$xi == dl$ni)
  }, levs)
  if (length(sep) == 0) return(NULL)
  d$grp <- factor(d[[by]], levels = levs)
  warns <- character(0)
  collect <- function(w) {
    warns <<- c(warns, trimws(gsub("\\s+", " ", conditionMessage(w))))
    invokeRestart("muffleWarning")
  }
  # meta's tau.common model (~ grp) and its cell-means form (~ 0 + grp, the group means)
  withCallingHandlers(rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ grp, data = d),
                      warning = collect)
  fm <- withCallingHandlers(rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ 0 + grp, data = d),
                            warning = collect)
  b <- setNames(as.numeric(fm$b), levs)
  se <- setNames(as.numeric(fm$se), levs)
  list(by = by, separated = I(sep),
       studies = setNames(lapply(sep, function(l) I(d$study[d[[by]] == l])), sep),
       lme4_warnings = I(unique(warns)),
       separated_mu = as.list(b[sep]), separated_se = as.list(se[sep]))
}

metareg_case <- function(d, engine, method = "REML", test = "z") {
  d$cancer_type <- factor(d$cancer_type, levels = sort(unique(d$cancer_type)))
  d <- d[!is.na(d$age_median), ]
  if (engine == "GLMM") {
    fit <- rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = ~ cancer_type + age_median, data = d)
  } else {
    es <- escalc("PLO", xi = xi, ni = ni, data = d)
    fit <- rma(yi, vi, mods = ~ cancer_type + age_median, data = es, method = method, test = test,
               control = tight)
  }
  terms <- c("intercept", paste0("cancer_type[", levels(d$cancer_type)[-1], "]"), "age_median")
  terms <- terms[seq_along(fit$b)]
  coefs <- setNames(lapply(seq_along(fit$b), function(i) list(estimate = num(fit$b[i]), se = num(fit$se[i]))), terms)
  list(formula = "cancer_type + age_median", engine = engine, method = method,
       ci_method = ifelse(test == "knha", "hk", "z"), k = fit$k,
       coefficients = coefs, qm = num(fit$QM), qm_df = num(fit$QMdf[1]), qm_p = num(fit$QMp),
       tau2 = num(fit$tau2), qe = num(if (engine == "GLMM") fit$QE.Wld else fit$QE),
       included = d$study)
}

smallstudy_case <- function(d) {
  es <- escalc("PLO", xi = xi, ni = ni, data = d)
  fit <- rma(yi, vi, data = es, method = "DL")
  eg_rma <- regtest(fit, model = "rma", predictor = "sei")
  eg_lm <- regtest(fit, model = "lm", predictor = "sei")
  pe_lm <- regtest(fit, model = "lm", predictor = "ninv")
  one <- function(r) {
    cf <- if (inherits(r$fit, "lm")) coef(summary(r$fit))[2, 1:2] else c(r$fit$b[2], r$fit$se[2])
    list(zval = num(r$zval), pval = num(r$pval), dfs = num(r$dfs), est = num(r$est),
         b_slope = num(cf[1]), se_slope = num(cf[2]))
  }
  l1 <- leave1out(fit)
  inf <- influence(fit)$inf
  list(egger_rma = one(eg_rma), egger_lm = one(eg_lm), peters_lm = one(pe_lm),
       leave1out = list(estimate = as.numeric(l1$estimate), se = as.numeric(l1$se),
                        tau2 = as.numeric(l1$tau2), i2 = as.numeric(l1$I2), q = as.numeric(l1$Q)),
       influence = list(rstudent = as.numeric(inf$rstudent), dffits = as.numeric(inf$dffits),
                        cook_d = as.numeric(inf$cook.d), cov_r = as.numeric(inf$cov.r),
                        tau2_del = as.numeric(inf$tau2.del), qe_del = as.numeric(inf$QE.del),
                        hat = as.numeric(inf$hat), weight = as.numeric(inf$weight)))
}

methods <- c("DL", "REML", "PM", "ML", "EB", "SJ", "HS", "EE")
build <- function(sets, with_cart_extras) {
  out <- list(metafor_version = as.character(packageVersion("metafor")),
              lme4_version = as.character(packageVersion("lme4")), datasets = list())
  for (nm in names(sets)) {
    d <- sets[[nm]]
    cat(nm, "\n")
    entry <- list(study = d$study, events = d$xi, total = d$ni, rma = list(), measures = list())
    for (m in methods) for (t in c("z", "knha"))
      entry$rma[[paste(m, ifelse(t == "knha", "hk", "z"), sep = "_")]] <- rma_case(d, "PLO", m, t)
    for (ms in c("PFT", "PAS", "PR")) for (m in c("DL", "REML"))
      entry$measures[[paste(ms, m, sep = "_")]] <- rma_case(d, ms, m, "z")
    entry$glmm <- glmm_case(d)
    entry$smallstudy <- smallstudy_case(d)
    if (with_cart_extras && startsWith(nm, "cart_")) {
      entry$subgroup <- list()
      entry$glmm_unfittable <- list()
      for (by in c("cancer_type", "country", "phase", "antigen", "costim_domain")) {
        # a level whose studies all have no events (or only events) has an infinite logistic
        # ML estimate: rma.glmm (lme4) does not converge there, so that case is pinned as
        # unfittable (with lme4's warnings) instead of with numbers
        unfit <- glmm_unfittable(d, by)
        if (is.null(unfit))
          entry$subgroup[[paste(by, "GLMM", sep = "_")]] <- subgroup_case(d, by, "GLMM")
        else entry$glmm_unfittable[[by]] <- unfit
        entry$subgroup[[paste(by, "DL", sep = "_")]] <- subgroup_case(d, by, "IV", "DL")
        entry$subgroup[[paste(by, "REML", sep = "_")]] <- subgroup_case(d, by, "IV", "REML")
      }
      entry$metareg <- list()
      for (m in c("REML", "DL", "ML", "PM", "EB", "SJ", "HS", "EE"))
        entry$metareg[[m]] <- metareg_case(d, "IV", m)
      entry$metareg[["GLMM"]] <- metareg_case(d, "GLMM")
      entry$metareg[["REML_hk"]] <- metareg_case(d, "IV", "REML", "knha")
    }
    out$datasets[[nm]] <- entry
  }
  out
}

write_json(build(dev, TRUE), "validation/metafor/reference_dev.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
write_json(build(unseen, FALSE), "validation/metafor/reference_unseen.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
