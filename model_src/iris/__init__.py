"""Iris species from four flower measurements: a small scikit-learn model trained on a bundled data set."""
