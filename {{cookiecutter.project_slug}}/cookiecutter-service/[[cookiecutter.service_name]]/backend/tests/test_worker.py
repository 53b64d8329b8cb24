from [[ cookiecutter.service_name ]].backend.schemas import TaskRequest, TaskState
from [[ cookiecutter.service_name ]].backend.worker.consumer import TaskConsumer


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
