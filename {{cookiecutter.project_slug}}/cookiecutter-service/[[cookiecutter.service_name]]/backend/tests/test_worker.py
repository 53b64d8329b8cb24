import io
import json
import threading

from [[ cookiecutter.service_name ]].backend.public import [[ cookiecutter.service_class ]]Publisher
from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage, TaskRequest, TaskState
from [[ cookiecutter.service_name ]].backend.service import TaskService
from [[ cookiecutter.service_name ]].backend.worker.consumer import TaskConsumer
from stack.libs.json_logging import configure_logging, request_id


def test_worker_stores_results_and_deletes_messages(aws) -> None:
    submitted = [aws.tasks.submit(TaskRequest(text=f"task {i}")) for i in range(3)]
    consumer = TaskConsumer(aws.sqs, aws.queue_url, aws.tasks, wait_seconds=0)

    handled = 0
    for _ in range(5):  # bounded: moto may return fewer messages than asked for
        handled += consumer.run_once()
        if handled == 3:
            break

    assert handled == 3
    assert all(aws.tasks.get(task.task_id).state is TaskState.DONE for task in submitted)
    assert aws.sqs.receive_message(QueueUrl=aws.queue_url).get("Messages", []) == []


def test_worker_logs_under_the_request_id_that_queued_the_task(aws) -> None:
    token = request_id.set("req-from-caller")
    try:
        task_id = [[ cookiecutter.service_class ]]Publisher(aws.sqs, aws.queue_url).publish("traced work")
    finally:
        request_id.reset(token)
    stream = io.StringIO()
    configure_logging(stream=stream)

    assert TaskConsumer(aws.sqs, aws.queue_url, aws.tasks, wait_seconds=0).run_once() == 1

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    done = [line for line in lines if line["message"] == "task done"]
    assert [(line["task_id"], line["request_id"]) for line in done] == [(task_id, "req-from-caller")]


def test_stop_finishes_the_task_in_hand_and_hands_back_the_rest(aws) -> None:
    submitted = [aws.tasks.submit(TaskRequest(text=f"task {i}")) for i in range(3)]
    stop = threading.Event()

    class StopAfterFirst(TaskService):
        def process(self, message: TaskMessage):
            done = super().process(message)
            stop.set()  # a SIGTERM arriving while the first task runs
            return done

    tasks = StopAfterFirst(queue=aws.tasks.queue, store=aws.tasks.store)
    assert TaskConsumer(aws.sqs, aws.queue_url, tasks, wait_seconds=0).run_once(stop) == 1
    states = [aws.tasks.get(task.task_id).state for task in submitted]
    assert states.count(TaskState.DONE) == 1
    # The others are visible again at once, for another worker, not after their timeout.
    attributes = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2"
