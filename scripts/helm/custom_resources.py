"""Checks the custom resources of rendered Helm manifests, which
kubernetes-validate has no schemas for: every ServiceMonitor, ScaledObject
and TriggerAuthentication has its CRD's apiVersion and the shape its CRD
gives the fields the chart sets (hand-written schemas of those parts, from
the Prometheus Operator's and KEDA's CRDs, closed so a misspelt field
fails). Kinds it does not know are left alone. Used by names.py, which
reads every render once.
"""

import jsonschema

STRING = {"type": "string", "minLength": 1}
INTEGER = {"type": "integer", "minimum": 0}


def closed(required, properties):
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


CUSTOM = {
    "ServiceMonitor": closed(
        ["selector", "endpoints"],
        {
            "selector": {"type": "object"},
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": closed(
                    ["port"], {"port": STRING, "path": STRING, "interval": STRING}
                ),
            },
        },
    ),
    "ScaledObject": closed(
        ["scaleTargetRef", "triggers"],
        {
            "scaleTargetRef": closed(["name"], {"name": STRING}),
            "minReplicaCount": INTEGER,
            "maxReplicaCount": INTEGER,
            "pollingInterval": INTEGER,
            "cooldownPeriod": INTEGER,
            "triggers": {
                "type": "array",
                "minItems": 1,
                "items": closed(
                    ["type", "metadata"],
                    {
                        "type": {"const": "rabbitmq"},
                        "metadata": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "required": ["protocol", "mode", "value", "queueName"],
                        },
                        "authenticationRef": closed(["name"], {"name": STRING}),
                    },
                ),
            },
        },
    ),
    "TriggerAuthentication": closed(
        ["secretTargetRef"],
        {
            "secretTargetRef": {
                "type": "array",
                "minItems": 1,
                "items": closed(
                    ["parameter", "name", "key"],
                    {"parameter": STRING, "name": STRING, "key": STRING},
                ),
            }
        },
    ),
}
API_VERSIONS = {
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "ScaledObject": "keda.sh/v1alpha1",
    "TriggerAuthentication": "keda.sh/v1alpha1",
}



def shape_problems(path, docs):
    """What in the custom resources of `docs` (one render, read from `path`)
    is not shaped as their CRDs say."""
    for doc in docs:
        if doc["kind"] not in CUSTOM:
            continue
        kind, name = doc["kind"], doc["metadata"]["name"]
        if doc["apiVersion"] != API_VERSIONS[kind]:
            yield f"{path}: {kind} {name}: apiVersion {doc['apiVersion']}, not {API_VERSIONS[kind]}"
        for error in jsonschema.Draft7Validator(CUSTOM[kind]).iter_errors(doc.get("spec")):
            field = ".".join(map(str, error.path))
            yield f"{path}: {kind} {name}: spec.{field}: {error.message}"
