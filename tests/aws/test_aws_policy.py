"""The learner policy: valid, least privilege by name prefix, and enough for the layer itself."""

import json

import botocore.session
import pytest
from aws_helpers import (
    IAM_PREFIXES,
    POLICY_PATH,
    SERVICE_PREFIXES,
    load_policy,
    policy_actions,
    recorded_actions,
)

import course_lib.aws as cl_aws

#: IAM actions that authorise something other than an API call of the same name.
PERMISSION_ONLY_ACTIONS = {"iam:PassRole"}
#: Resources that are not course-prefixed, and why they are needed.
UNPREFIXED_RESOURCES = {
    "*": "List*, TestEventPattern, GetCallerIdentity and GetResources take no resource",
    "arn:aws:events:*:*:event-bus/default": "rules and events on the default bus",
}
MANAGED_POLICY_LIMIT = 6144


def test_policy_is_valid_json_with_well_formed_statements():
    policy = load_policy()
    assert policy["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}
        assert statement["Effect"] == "Allow"


def test_fits_a_customer_managed_policy():
    compact = json.dumps(load_policy(), separators=(",", ":"))
    assert len(compact) <= MANAGED_POLICY_LIMIT


def test_every_action_is_a_real_action_of_its_service():
    models = botocore.session.get_session()
    for action in sorted(policy_actions()):
        prefix, _, operation = action.partition(":")
        assert "*" not in action, f"{action}: list actions explicitly"
        if action in PERMISSION_ONLY_ACTIONS:
            continue
        services = [name for name, known in SERVICE_PREFIXES.items() if known == prefix]
        operations = {
            op for name in services for op in models.get_service_model(name).operation_names
        }
        assert operation in operations, f"{action} is not an API of {prefix}"


def test_resources_are_scoped_to_the_course_prefix():
    for statement in load_policy()["Statement"]:
        listed = statement["Resource"]
        for resource in [listed] if isinstance(listed, str) else listed:
            assert "eda-course-" in resource or resource in UNPREFIXED_RESOURCES, resource


def test_roles_can_only_be_passed_to_step_functions_and_eventbridge():
    passing = [s for s in load_policy()["Statement"] if s["Action"] == "iam:PassRole"]
    assert len(passing) == 1
    services = passing[0]["Condition"]["StringEquals"]["iam:PassedToService"]
    assert sorted(services) == ["events.amazonaws.com", "states.amazonaws.com"]


def test_the_layer_needs_no_action_outside_the_policy(monkeypatch):
    from test_aws_session import ALL_KINDS, create_one_of_each

    with recorded_actions(monkeypatch) as seen:
        with cl_aws.session("lesson06", creates=ALL_KINDS) as aws:
            create_one_of_each(aws)
        aws = cl_aws.session("lesson06", creates=["queue:left"])
        aws.client("sqs").create_queue(QueueName=aws.name("left"))
        cl_aws.cleanup()
    missing = sorted(seen - policy_actions())
    assert missing == [], f"{POLICY_PATH.name} lacks {missing}"


@pytest.mark.parametrize("prefix", sorted(IAM_PREFIXES))
def test_every_service_of_the_policy_is_known_to_botocore(prefix):
    assert IAM_PREFIXES[prefix] in botocore.session.get_session().get_available_services()


#: Creating with tags needs the service's tagging permission as well.
TAG_ON_CREATE = {
    "role": "iam:TagRole",
    "state-machine": "states:TagResource",
    "event-bus": "events:TagResource",
    "custom-bus": "events:TagResource",
    "subscriber": "events:TagResource",
    "rule": "events:TagResource",
    "queue": "sqs:TagQueue",
    "table": "dynamodb:TagResource",
}


def test_tagging_on_create_is_allowed_for_every_taggable_kind():
    from course_lib.aws.resources import KINDS

    taggable = {kind for kind, spec in KINDS.items() if spec.tags_param}
    assert taggable == set(TAG_ON_CREATE)
    assert set(TAG_ON_CREATE.values()) <= policy_actions()
