"""botocore's models as data: found by name, newest version by default, and a model left out
of the browser's botocore says how to add it instead of passing for an unknown service."""

import gzip
import json

import pytest

from course_lib import botocore_models
from course_lib.botocore_models import ModelLeftOut, read_model, service_folder


def test_reads_the_installed_models():
    model = read_model("stepfunctions")
    assert model["metadata"]["serviceId"] == "SFN"
    assert "TestState" in model["operations"]
    dated = read_model("eventbridgev2", "2025-05-15")
    assert "PutEvents" in dated["operations"]


def test_sdk_names_without_hyphens_find_their_folder():
    assert service_folder("bedrockruntime").name == "bedrock-runtime"


def test_unknown_services_and_versions_are_none():
    assert read_model("no-such-service") is None
    assert read_model("stepfunctions", "1999-01-01") is None


@pytest.fixture
def browser_botocore(tmp_path, monkeypatch):
    """A data folder as the browser's botocore has it: one model, a note of the rest."""
    folder = tmp_path / "data" / "sqs" / "2012-11-05"
    folder.mkdir(parents=True)
    with gzip.open(folder / "service-2.json.gz", "wt", encoding="utf-8") as handle:
        json.dump({"operations": {"SendMessage": {}}, "shapes": {}}, handle)
    note = {"package": "course-botocore-models", "version": "1", "services": ["ec2", "iot-data"]}
    (tmp_path / "data" / botocore_models.LEFT_OUT).write_text(json.dumps(note))
    monkeypatch.setattr(botocore_models, "models_root", lambda: tmp_path / "data")
    return tmp_path / "data"


def test_a_model_left_out_says_how_to_add_it(browser_botocore):
    assert "SendMessage" in read_model("sqs")["operations"]
    with pytest.raises(ModelLeftOut, match=r"'ec2'.*%pip install course-botocore-models"):
        read_model("ec2")
    with pytest.raises(ModelLeftOut, match="iot-data"):
        service_folder("iotdata")
    assert read_model("no-such-service") is None
