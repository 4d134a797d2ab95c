"""Inference script for SageMaker's scikit-learn container (and the local model server, which runs it as is).

The container calls `model_fn` once with the folder `model.tar.gz` was unpacked into,
then per request `input_fn` (body, content type) -> `predict_fn` -> `output_fn` (accept).
Input: CSV rows or JSON `{"instances": [[...], ...]}` of the four measurements in cm,
in the order of `model.json`'s `features`. Output: JSON `{"predictions": [[p0, p1, p2], ...]}`,
one probability per species, in the order of `model.json`'s `labels`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MAX_ROWS = 10_000


class InputError(ValueError):
    """The request body is not rows of the model's features (the container answers it as a client error)."""


def model_fn(model_dir: str) -> Any:
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as handle:
        params = json.load(handle)
    scaler = StandardScaler()
    scaler.mean_ = np.asarray(params["scaler"]["mean"], dtype=float)
    scaler.scale_ = np.asarray(params["scaler"]["scale"], dtype=float)
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = len(params["features"])
    regression = LogisticRegression()
    regression.classes_ = np.asarray(params["logistic_regression"]["classes"])
    regression.coef_ = np.asarray(params["logistic_regression"]["coef"], dtype=float)
    regression.intercept_ = np.asarray(params["logistic_regression"]["intercept"], dtype=float)
    regression.n_features_in_ = len(params["features"])
    return make_pipeline(scaler, regression)


def input_fn(request_body: Any, request_content_type: str) -> Any:
    text = request_body.decode("utf-8") if isinstance(request_body, bytes | bytearray) else str(request_body)
    content_type = (request_content_type or "").split(";")[0].strip().lower()
    try:
        rows: Any
        if content_type == "text/csv":
            rows = [[float(cell) for cell in line.split(",")] for line in text.splitlines() if line.strip()]
        elif content_type == "application/json":
            document = json.loads(text)
            rows = document.get("instances") if isinstance(document, dict) else document
        else:
            raise InputError(f"content type {content_type or '(none)'} is not text/csv or application/json")
        data = np.asarray(rows, dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"the body is not rows of 4 numbers: {err}") from None
    if data.ndim != 2 or data.shape[1] != 4 or not 1 <= data.shape[0] <= MAX_ROWS or not np.isfinite(data).all():
        raise InputError(f"expected 1 to {MAX_ROWS} rows of 4 finite numbers")
    return data


def predict_fn(input_data: Any, model: Any) -> Any:
    return model.predict_proba(input_data)


def output_fn(prediction: Any, accept: str) -> str:
    kind = (accept or "application/json").split(";")[0].strip().lower()
    if kind == "text/csv":
        return "\n".join(",".join(repr(float(p)) for p in row) for row in prediction)
    return json.dumps({"predictions": [[float(p) for p in row] for row in prediction]})
