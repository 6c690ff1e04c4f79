"""A CloudEvents peer written with the official Python SDK's RabbitMQ binding.

The Rust interoperability tests drive it to send events to, and receive
events from, agent-store's bus through the real broker:

    python ce_peer.py publish --url URL --exchange EX --routing-key KEY \
        --mode binary|structured --attrs JSON --data JSON
    python ce_peer.py receive --url URL --queue Q [--timeout SECONDS]

`receive` prints one JSON object: the event's attributes (time as ISO 8601)
and data, plus the raw AMQP headers and content type it arrived with.
"""

import argparse
import json
import sys
import time

import pika
from dateutil.parser import isoparse
from cloudevents.core.bindings import rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent


def publish(args: argparse.Namespace) -> None:
    attrs = json.loads(args.attrs)
    if "time" in attrs:
        attrs["time"] = isoparse(attrs["time"])
    data = json.loads(args.data)
    event = CloudEvent(attributes=attrs, data=data)
    if args.mode == "binary":
        message = rabbitmq.to_binary(event, JSONFormat())
    else:
        message = rabbitmq.to_structured(event, JSONFormat())
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        exchange=args.exchange,
        routing_key=args.routing_key,
        body=message.body,
        properties=pika.BasicProperties(
            headers=message.headers,
            content_type=message.content_type,
            delivery_mode=2,
            message_id=str(attrs.get("id")),
        ),
        mandatory=True,
    )
    connection.close()


def to_text(value):
    return value.decode() if isinstance(value, bytes) else value


def receive(args: argparse.Namespace) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    deadline = time.monotonic() + args.timeout
    while True:
        method, properties, body = channel.basic_get(args.queue, auto_ack=True)
        if method is not None:
            break
        if time.monotonic() > deadline:
            sys.exit(f"no message on {args.queue} within {args.timeout}s")
        time.sleep(0.05)
    headers = {k: to_text(v) for k, v in (properties.headers or {}).items()}
    message = rabbitmq.RabbitMQMessage(
        headers={k: str(v) for k, v in headers.items()},
        content_type=properties.content_type,
        body=body,
    )
    event = rabbitmq.from_rabbitmq(message, JSONFormat())
    attributes = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in event.get_attributes().items()
    }
    print(
        json.dumps(
            {
                "attributes": attributes,
                "data": event.get_data(),
                "amqp": {
                    "headers": headers,
                    "content_type": properties.content_type,
                    "message_id": properties.message_id,
                    "delivery_mode": properties.delivery_mode,
                },
            }
        )
    )
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("publish")
    p.add_argument("--url", required=True)
    p.add_argument("--exchange", required=True)
    p.add_argument("--routing-key", required=True)
    p.add_argument("--mode", choices=["binary", "structured"], default="binary")
    p.add_argument("--attrs", required=True)
    p.add_argument("--data", required=True)
    r = sub.add_parser("receive")
    r.add_argument("--url", required=True)
    r.add_argument("--queue", required=True)
    r.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    publish(args) if args.command == "publish" else receive(args)


if __name__ == "__main__":
    main()
