from [[ cookiecutter.service_name ]].backend.public import [[ cookiecutter.service_class ]]Publisher
from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage


def test_publisher_queues_a_task_message(aws) -> None:
    task_id = [[ cookiecutter.service_class ]]Publisher(aws.sqs, aws.queue_url).publish("queued from elsewhere")
    (message,) = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
    assert TaskMessage.model_validate_json(message["Body"]).task_id == task_id
