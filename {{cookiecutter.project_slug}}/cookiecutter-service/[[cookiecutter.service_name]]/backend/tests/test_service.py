import pytest

from [[ cookiecutter.service_name ]].backend.schemas import TaskRequest, TaskState
from [[ cookiecutter.service_name ]].backend.service import TaskNotFound, TaskService


def test_submit_queues_and_process_stores_result(tasks: TaskService, queue) -> None:
    task = tasks.submit(TaskRequest(text="two words"))
    assert tasks.get(task.task_id).state is TaskState.QUEUED

    done = tasks.process(queue.messages[0])
    assert done.state is TaskState.DONE
    assert done.result is not None and (done.result.words, done.result.characters) == (2, 9)
    assert tasks.process(queue.messages[0]) == done  # a repeated delivery changes nothing


def test_unknown_task(tasks: TaskService) -> None:
    with pytest.raises(TaskNotFound):
        tasks.get("missing")
