"""Webhooks: events of the layers below (signals), fanned out to the subscriptions that may see
them (`services.publish`), signed (`signing`) and sent by the workers with retries
(`services.attempt_delivery`, run by `api.tasks.send_webhook`)."""
