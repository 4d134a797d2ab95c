"""The iris model: its inference script called as SageMaker's container calls it, the archive built
reproducibly, and the local server speaking SageMaker's hosting contract with that same script."""

from __future__ import annotations

import hashlib
import json
import tarfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from model_src.iris import train
from tests.support.http import running
from tooling import model_package, model_server

SETOSA, VIRGINICA = [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model_package.build("iris", tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def loaded(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> model_server.LoadedModel:
    return model_server.LoadedModel(archive, tmp_path_factory.mktemp("model-dir") / "iris")


@pytest.fixture(scope="module")
def script(loaded: model_server.LoadedModel) -> ModuleType:
    return loaded.script


def test_the_archive_is_byte_for_byte_reproducible(archive: Path, tmp_path: Path) -> None:
    again = model_package.build("iris", tmp_path)
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_the_archive_is_laid_out_as_the_framework_containers_expect(archive: Path) -> None:
    with tarfile.open(archive, "r:gz") as contents:
        members = {m.name: m for m in contents.getmembers()}
        assert sorted(members) == ["code/inference.py", "model.json"]
        assert all(m.mtime == 0 and m.uid == 0 and m.mode == 0o644 for m in members.values())
        params = json.load(contents.extractfile("model.json"))  # type: ignore[arg-type]
    assert params["features"] == list(train.FEATURES) and params["labels"] == ["setosa", "versicolor", "virginica"]


def test_the_model_learned_the_data(script: ModuleType, loaded: model_server.LoadedModel) -> None:
    from sklearn.datasets import load_iris

    data = load_iris()
    predicted = script.predict_fn(data.data, loaded.model).argmax(axis=1)
    assert (predicted == data.target).mean() > 0.95


def test_the_rebuilt_pipeline_predicts_what_the_trained_one_does(
    script: ModuleType, loaded: model_server.LoadedModel
) -> None:
    trained = train.train()
    rows = np.asarray([SETOSA, VIRGINICA])
    assert np.array_equal(script.predict_fn(rows, loaded.model), trained.predict_proba(rows))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n", "text/csv"),
        (json.dumps({"instances": [SETOSA, VIRGINICA]}), "application/json"),
        (json.dumps([SETOSA, VIRGINICA]), "application/json; charset=utf-8"),
    ],
)
def test_csv_and_json_give_one_probability_row_per_instance(
    script: ModuleType, loaded: model_server.LoadedModel, body: str, content_type: str
) -> None:
    answer = json.loads(script.output_fn(script.predict_fn(script.input_fn(body, content_type), loaded.model), ""))
    rows = answer["predictions"]
    assert len(rows) == 2 and all(abs(sum(r) - 1) < 1e-9 for r in rows)
    assert [int(np.argmax(r)) for r in rows] == [0, 2]
    csv = script.output_fn(np.asarray(rows), "text/csv")
    assert [float(x) for x in csv.splitlines()[0].split(",")] == rows[0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("1,2,3", "text/csv"),
        ("a,b,c,d", "text/csv"),
        ("", "text/csv"),
        ('{"instances": [[1, 2, 3, "x"]]}', "application/json"),
        ("5.1,3.5,1.4,nan", "text/csv"),
        ("5.1,3.5,1.4,0.2", "application/x-npy"),
    ],
)
def test_bad_input_is_a_client_error_the_container_reports(script: ModuleType, body: str, content_type: str) -> None:
    with pytest.raises(ValueError):
        script.input_fn(body, content_type)


@pytest.fixture
def served(loaded: model_server.LoadedModel) -> Iterator[str]:
    with running(model_server.make_server(0, loaded)) as url:
        yield url


def post(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"content-type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_the_server_speaks_the_hosting_contract(served: str) -> None:
    with urllib.request.urlopen(f"{served}/ping", timeout=10) as ping:
        assert ping.status == 200
    status, body = post(f"{served}/invocations", b"5.1,3.5,1.4,0.2", "text/csv")
    assert status == 200 and np.argmax(json.loads(body)["predictions"][0]) == 0
    status, body = post(f"{served}/invocations", b"1,2", "text/csv")
    assert status == 400 and b"rows of 4" in body
    assert post(f"{served}/elsewhere", b"", "text/csv")[0] == 404
