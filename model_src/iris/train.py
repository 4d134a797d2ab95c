"""Train the iris model deterministically and export its learned parameters as JSON.

scikit-learn's bundled iris data (150 flowers, 4 measurements in cm, 3 species) fits a
standard scaler and a multinomial logistic regression. The parameters are written as
JSON rather than pickled: the archive is then byte-identical on every build, loads in
any scikit-learn version the serving container has, and holds no code to execute.
"""

from __future__ import annotations

import json
from typing import Any

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
FORMAT_VERSION = 1


def train() -> Any:
    """The fitted pipeline (scaler, logistic regression)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_iris()
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, C=1.0))
    pipeline.fit(data.data, data.target)
    return pipeline


def labels() -> list[str]:
    from sklearn.datasets import load_iris

    return [str(name) for name in load_iris().target_names]


def parameters(pipeline: Any) -> dict[str, Any]:
    """What inference.model_fn rebuilds the pipeline from (floats round-trip exactly through JSON)."""
    scaler, regression = pipeline.steps[0][1], pipeline.steps[1][1]
    return {
        "format": FORMAT_VERSION,
        "features": list(FEATURES),
        "labels": labels(),
        "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "logistic_regression": {
            "classes": regression.classes_.tolist(),
            "coef": regression.coef_.tolist(),
            "intercept": regression.intercept_.tolist(),
        },
    }


def model_json() -> bytes:
    return (json.dumps(parameters(train()), sort_keys=True, indent=1) + "\n").encode()
