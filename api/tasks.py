"""Background tasks of the API app: thin functions that take ids and call a service."""

from django.tasks import task

from api.webhooks import services as webhooks


@task
def send_webhook(delivery_id: int) -> str:
    """Try one webhook delivery; safe to run twice (a delivered one is left alone)."""
    return webhooks.attempt_delivery(delivery_id)
