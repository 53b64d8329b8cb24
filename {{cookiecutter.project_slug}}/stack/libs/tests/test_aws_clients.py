from moto import mock_aws

from stack.libs.aws_clients import aws_client
from stack.libs.settings import ServiceSettings


def test_client_uses_configured_endpoint_and_path_style_s3() -> None:
    settings = ServiceSettings.model_validate(
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:5999", "AWS_REGION": "eu-central-1"}
    )
    s3 = aws_client("s3", settings)
    assert s3.meta.endpoint_url == "http://127.0.0.1:5999"
    assert s3.meta.region_name == "eu-central-1"
    assert s3.meta.config.s3["addressing_style"] == "path"


@mock_aws
def test_client_talks_to_aws_api() -> None:
    sqs = aws_client("sqs", ServiceSettings.model_validate({"AWS_REGION": "eu-west-1"}))
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "hello"
