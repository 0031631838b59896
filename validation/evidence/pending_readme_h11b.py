p = "README.md"
s = open(p).read()
old = "| heterogeneity priors lognormal, halflogistic, invgamma, halft |"
row = (
    "| meta-regression (CRR ~ cancer type + country, ORR ~ age_median): log evidence, covariate Bayes factors, P(rate > X) "
    "| brms + `bridgesampling`; the random companion on the same 22 studies by nested quad (`companions.json`); "
    "quantiles of a long NUTS run (`validation/regression/long_nuts.json`) | max(0.02, 3 SDs); P at the NUTS 2.5/50/97.5% quantiles 0.01 (their Monte Carlo error) |\n"
)
assert old in s
s = s.replace(old, row + old, 1)
old2 = "a subgroup model also has one entry for its covariate (against the random model on the same studies);"
assert old2 in s
s = s.replace(
    old2,
    "a subgroup model also has one entry for its covariate (against the random model on the same studies), a\n  meta-regression one per covariate (against the regression without it, or the random model);",
)
open(p, "w").write(s)
print("readme patched")
