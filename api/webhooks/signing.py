"""How a delivery is signed, as the subscription page documents it for receivers.

    X-Outreach-Timestamp: <unix seconds>
    X-Outreach-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">

The HMAC key is the subscription's secret (UTF-8) and the body the exact bytes sent. A receiver
recomputes it, compares in constant time, and refuses a timestamp older than a few minutes.
"""

import hashlib
import hmac
import json

TIMESTAMP_HEADER = "X-Outreach-Timestamp"
SIGNATURE_HEADER = "X-Outreach-Signature"
EVENT_HEADER = "X-Outreach-Event"
DELIVERY_HEADER = "X-Outreach-Delivery"


def body(payload: dict) -> bytes:
    """The bytes sent (and signed) for a payload: compact JSON in UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, content: bytes) -> str:
    message = f"{timestamp}.".encode() + content
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, content: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, content)}"


def verify(secret: str, header: str, content: bytes) -> bool:
    """Whether `header` (X-Outreach-Signature) signs `content` under `secret`."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    return hmac.compare_digest(parts["v1"], signature(secret, int(parts["t"]), content))
