"""Real definitions AWS deployed (public sample workflows) pass ``validate``.

Each file in ``corpus/`` is listed in ``corpus/index.json`` with the repository, path,
commit and license it comes from. ``${Name}`` placeholders are SAM definition
substitutions; they are filled in here the way a deployment fills them in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from course_lib.stepfunctions import jsonpath
from course_lib.stepfunctions.validation import validate

CORPUS = Path(__file__).parent / "corpus"
INDEX = json.loads((CORPUS / "index.json").read_text())["definitions"]
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
#: What a substitution stands for, by the field it fills.
_ARN_FOR_FIELD = {
    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:{}",
    "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:{}",
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:{}",
}


def _substitute(node: Any, field: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _substitute(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, field) for v in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole and field in _ARN_FOR_FIELD:
            return _ARN_FOR_FIELD[field].format(whole.group(1))
        return _PLACEHOLDER.sub(
            lambda m: "123456789012" if m.group(1) == "ACCOUNT_ID" else m.group(1), node
        )
    return node


def _paths(node: Any, key: str = "") -> list[str]:
    """Every JSONPath the definition holds (``.$`` values and the path fields)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _paths(v, k)]
    if isinstance(node, list):
        return [p for v in node for p in _paths(v, key)]
    path_field = key.endswith(("Path", ".$")) or key == "Variable"
    if isinstance(node, str) and path_field and node.startswith("$"):
        return [node]
    return []


def test_index_lists_every_file_with_its_source_and_license():
    listed = {entry["file"] for entry in INDEX}
    assert listed == {p.name for p in CORPUS.glob("*.asl.json")}
    for entry in INDEX:
        assert entry["repository"] and entry["path"] and len(entry["commit"]) == 40
        assert entry["license"] in ("MIT-0", "MIT", "Apache-2.0")


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_every_corpus_definition_validates(entry):
    definition = _substitute(json.loads((CORPUS / entry["file"]).read_text()))
    assert validate(definition) == []


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_every_corpus_path_parses(entry):
    definition = json.loads((CORPUS / entry["file"]).read_text())
    for text in _paths(definition):
        assert jsonpath.parse(text).text == text


def test_the_corpus_covers_the_jayway_forms_aws_accepts():
    texts = {t for e in INDEX for t in _paths(json.loads((CORPUS / e["file"]).read_text()))}
    assert "$.[*].['bucket', 'key']" in texts
    assert "$[0].error" in texts
