"""Word tables of the pair verifier (:mod:`kgsynth.stages.dedup.verify`).

English facts the shape rules cannot derive: irregular plurals, number words, common written
abbreviations of math words, negating prefixes and words, and the generic words a concept
name is built with ("theorem", "law"), which may stand for each other.
"""

from __future__ import annotations

_GREEK_NAMES = """alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron
pi rho sigma tau upsilon phi chi psi omega"""
GREEK = frozenset(_GREEK_NAMES.split())
_CARDINAL_NAMES = "zero one two three four five six seven eight nine ten eleven twelve"
CARDINALS = {w: str(i) for i, w in enumerate(_CARDINAL_NAMES.split())}
_ORDINAL_NAMES = "first second third fourth fifth sixth seventh eighth ninth tenth"
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
ORDINALS = {w: f"{i}{_SUFFIX.get(i, 'th')}" for i, w in enumerate(_ORDINAL_NAMES.split(), 1)}
ABBREVIATIONS = {
    "thm": "theorem", "eq": "equation", "eqn": "equation", "def": "definition",
    "defn": "definition", "prop": "proposition", "approx": "approximation",
    "fn": "function", "func": "function", "deriv": "derivative", "coeff": "coefficient",
    "coef": "coefficient", "prob": "probability", "poly": "polynomial", "max": "maximum",
    "min": "minimum", "sqrt": "square root", "ln": "natural logarithm", "log": "logarithm",
    "lim": "limit", "det": "determinant", "dim": "dimension", "var": "variance",
    "cov": "covariance", "std": "standard", "dev": "deviation", "avg": "average",
    "iff": "if and only if",
}  # fmt: skip
IRREGULAR_PLURALS = {
    "matrices": "matrix", "vertices": "vertex", "indices": "index", "simplices": "simplex",
    "apices": "apex", "radii": "radius", "foci": "focus", "loci": "locus", "nuclei": "nucleus",
    "tori": "torus", "axes": "axis", "analyses": "analysis", "hypotheses": "hypothesis",
    "theses": "thesis", "parentheses": "parenthesis", "syntheses": "synthesis",
    "maxima": "maximum", "minima": "minimum", "extrema": "extremum", "optima": "optimum",
    "criteria": "criterion", "phenomena": "phenomenon", "polyhedra": "polyhedron",
    "automata": "automaton", "spectra": "spectrum", "formulae": "formula", "lemmata": "lemma",
    "halves": "half", "moduli": "modulus", "annuli": "annulus",
}  # fmt: skip
SAME_IN_PLURAL = frozenset({"series", "species", "means"})
ARTICLES = frozenset({"the", "an"})
NEGATING_WORDS = frozenset({"non", "not", "no", "un", "anti", "without", "never"})
NEGATING_PREFIXES = ("non", "un", "in", "im", "il", "ir", "dis", "anti", "a", "an", "de")
SMALL_WORDS = frozenset({"of", "and", "for", "in", "on", "to", "with", "by", "at"})
NAMING_WORDS = frozenset(
    {"theorem", "law", "rule", "principle", "formula", "identity", "lemma", "property",
     "postulate", "axiom", "method", "technique", "relation", "equation", "inequality"}
)  # fmt: skip
