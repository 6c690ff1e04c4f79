"""Checks rendered Helm manifests: no two resources of one kind share a
name, every name is a DNS label (or subdomain for kinds that allow one) and
every label value is at most 63 characters; the custom resources shaped as
their CRDs say (custom_resources.py). Writes the resources that are
not custom resources (those kubernetes-validate has schemas for) to
OUT_DIR/<n>.yaml.

Usage: names.py OUT_DIR RENDER.yaml...
"""

import os
import re
import sys

import yaml
from custom_resources import shape_problems

CUSTOM = {"ServiceMonitor", "PrometheusRule", "ScaledObject", "TriggerAuthentication"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def problems(path, docs):
    seen = set()
    for doc in docs:
        kind, meta = doc["kind"], doc["metadata"]
        name = meta["name"]
        if (kind, name) in seen:
            yield f"{path}: two {kind}s named {name}"
        seen.add((kind, name))
        if len(name) > 63 or not DNS_LABEL.match(name):
            yield f"{path}: {kind} {name!r} is not a DNS label of at most 63 characters"
        labelled = [meta.get("labels") or {}]
        template = (doc.get("spec") or {}).get("template") or {}
        labelled.append((template.get("metadata") or {}).get("labels") or {})
        selector = (doc.get("spec") or {}).get("selector") or {}
        labelled.append(selector.get("matchLabels") or selector)
        for labels in labelled:
            for key, value in labels.items():
                if not isinstance(value, str):
                    continue
                if len(value) > 63 or not LABEL_VALUE.match(value):
                    yield f"{path}: {kind} {name}: label {key}={value!r} is not a valid label value"


def main():
    out, renders = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    found = []
    for index, path in enumerate(renders):
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
        found += problems(path, docs)
        found += shape_problems(path, docs)
        core = [d for d in docs if d["kind"] not in CUSTOM]
        with open(os.path.join(out, f"{index}.yaml"), "w") as f:
            yaml.safe_dump_all(core, f)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        sys.exit(1)


if __name__ == "__main__":
    main()
