"""The queue worker every module runs: see ``consumer.QueueWorker`` for its guarantees."""

from stack.libs.queue_worker.consumer import MessageHandler, QueueUnreachable, QueueWorker, UnreadableMessage

__all__ = ["MessageHandler", "QueueUnreachable", "QueueWorker", "UnreadableMessage"]
