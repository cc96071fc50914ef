"""The filter's scikit-learn models: build, cross-validate, fit, save, load, score.

Iteration 0 is a classifier (synthetic positives vs random corpus documents) whose score is
P(in domain); later iterations are regressors of the LLM's weighted rating (1-10). A saved
model is a joblib file holding a :class:`FilterModel`: the estimator plus what is needed to
use it alone (``kgsynth filter --apply``): the embedding model's name, the threshold and
the kind of score. joblib files are pickles: load only models you made or trust.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kgsynth.config.filter import FilterConfig
from kgsynth.errors import InputError

FORMAT = "kgsynth-filter/1"


@dataclass
class FilterModel:
    """A trained filter model and the facts needed to apply it."""

    estimator: Any
    kind: str  # "classifier" (score = P(domain), 0-1) or "regressor" (score = rating, 1-10)
    threshold: float  # keep when score > threshold (classifier: >=)
    iteration: int
    domain: str
    embed_model: str
    embed_chars: int
    cv: dict[str, float] = field(default_factory=dict)
    format: str = FORMAT

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """One float32 score per row of ``vectors``."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        if self.kind == "classifier":
            proba = self.estimator.predict_proba(np.asarray(vectors))
            positive = list(self.estimator.classes_).index(1)
            return proba[:, positive].astype(np.float32)
        return self.estimator.predict(np.asarray(vectors)).astype(np.float32)

    def keep(self, scores: np.ndarray) -> np.ndarray:
        if self.kind == "classifier":
            return scores >= self.threshold
        return scores > self.threshold

    def save(self, path: Path) -> Path:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        joblib.dump(self, tmp)
        os.replace(tmp, path)
        return path


def load_model(path: Path) -> FilterModel:
    """A saved model: a ``.joblib`` file or a filter run folder (its ``model.joblib``)."""
    import joblib

    if path.is_dir():
        path = path / "model.joblib"
    if not path.is_file():
        raise InputError(f"{path}: no such filter model (a model.joblib or a filter run folder)")
    try:
        model = joblib.load(path)
    except Exception as e:  # pickle raises many types for a file that is not a model
        raise InputError(f"{path}: not a readable filter model ({type(e).__name__}: {e})") from None
    if not isinstance(model, FilterModel) or model.format != FORMAT:
        raise InputError(f"{path}: not a kgsynth filter model (expected format {FORMAT})")
    return model


def build_estimator(cfg: FilterConfig, kind: str) -> Any:
    """A fresh scikit-learn estimator of ``cfg.model`` for ``kind``, seeded."""
    from sklearn import ensemble, linear_model

    if cfg.model == "linear":
        if kind == "classifier":
            return linear_model.LogisticRegression(max_iter=1000, random_state=cfg.seed)
        return linear_model.Ridge(alpha=1.0)
    forests = {
        ("random_forest", "classifier"): ensemble.RandomForestClassifier,
        ("random_forest", "regressor"): ensemble.RandomForestRegressor,
        ("extra_trees", "classifier"): ensemble.ExtraTreesClassifier,
        ("extra_trees", "regressor"): ensemble.ExtraTreesRegressor,
    }
    extra = {"class_weight": "balanced"} if kind == "classifier" else {}
    return forests[(cfg.model, kind)](
        n_estimators=cfg.n_estimators, max_depth=cfg.max_depth,
        max_features=cfg.max_features_value(), random_state=cfg.seed, n_jobs=-1, **extra,
    )  # fmt: skip


def cross_validate(cfg: FilterConfig, kind: str, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Mean and spread of k-fold scores (classifier: F1 and ROC AUC; regressor: R² and MAE).

    Empty when there are too few examples (or, for a classifier, too few of one class) for
    ``cfg.cv_folds`` folds.
    """
    from sklearn import model_selection

    if kind == "classifier":
        folds = min(cfg.cv_folds, int(min(np.sum(y == 1), np.sum(y == 0))))
        if folds < 2:
            return {}
        splitter: Any = model_selection.StratifiedKFold(folds, shuffle=True, random_state=cfg.seed)
        metrics = {"f1": "f1", "roc_auc": "roc_auc"}
    else:
        folds = min(cfg.cv_folds, len(y) // 2)
        if folds < 2:
            return {}
        splitter = model_selection.KFold(folds, shuffle=True, random_state=cfg.seed)
        metrics = {"r2": "r2", "mae": "neg_mean_absolute_error"}
    result = model_selection.cross_validate(
        build_estimator(cfg, kind), x, y, cv=splitter, scoring=list(metrics.values())
    )
    out: dict[str, float] = {"folds": float(folds)}
    for name, scorer in metrics.items():
        values = result[f"test_{scorer}"] * (-1 if scorer.startswith("neg_") else 1)
        out[f"{name}_mean"] = float(np.mean(values))
        out[f"{name}_std"] = float(np.std(values))
    return out


def train(
    cfg: FilterConfig, kind: str, x: np.ndarray, y: np.ndarray, iteration: int
) -> FilterModel:
    """Cross-validate, then fit on everything."""
    cv = cross_validate(cfg, kind, x, y)
    estimator = build_estimator(cfg, kind).fit(x, y)
    threshold = cfg.cold_start_threshold if kind == "classifier" else cfg.threshold
    return FilterModel(estimator, kind, threshold, iteration, cfg.domain, cfg.embed_model,
                       cfg.embed_chars, cv)  # fmt: skip
