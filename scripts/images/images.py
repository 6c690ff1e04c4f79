"""The image check where no image can be built (no container engine or registry here).

Reads the Dockerfile the way its stages would run: the builder's
`cargo build --bin …` and the binaries it puts into /out, then each target's
`COPY --from=builder /out/<bin>` and ENTRYPOINT. Compares that with what
docker-compose.yml starts (build target, command) and with every container the
Helm chart renders (image name → target, command/args), and runs each target's
binary, as built by `cargo build` in target/debug, to prove it is the program
its image says it is.

Usage: images.py <helm> <chart-render.yaml>...
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
problems: list[str] = []


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continued lines joined and comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            current = ""
    return out


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """Each `FROM … AS name` stage's instructions, with its parent stage's name under FROM."""
    result: dict[str, list[tuple[str, str]]] = {}
    name = None
    for word, rest in dockerfile_instructions(text):
        if word == "FROM":
            parts = rest.split()
            name = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else None
            if name:
                result[name] = [("FROM", parts[0])]
        elif name:
            result[name].append((word, rest))
    return result


def targets(all_stages) -> dict[str, str]:
    """Image target → the binary its ENTRYPOINT runs (checked to be copied from the builder's /out)."""
    builder_run = " ".join(r for w, r in all_stages["builder"] if w == "RUN")
    built = set(re.findall(r"--bin\s+(\S+)", builder_run))
    put = set(re.findall(r"target/release/(\S+)", builder_run)) if "/out" in builder_run else set()
    result = {}
    for name, instructions in all_stages.items():
        entry = [r for w, r in instructions if w == "ENTRYPOINT"]
        if not entry:
            continue
        binary_path = json.loads(entry[-1])[0]
        binary = Path(binary_path).name
        copies = [r.split() for w, r in instructions if w == "COPY" and r.startswith("--from=builder")]
        if not any(c[1] == f"/out/{binary}" and c[2] == binary_path for c in copies):
            problems.append(f"Dockerfile target {name}: ENTRYPOINT {binary_path} is not copied from the builder's /out/{binary}")
        if binary not in built:
            problems.append(f"Dockerfile target {name}: the builder never builds --bin {binary}")
        if binary not in put:
            problems.append(f"Dockerfile target {name}: the builder never puts {binary} into /out")
        result[name] = binary
    return result


def image_target(image: str) -> str:
    """agent-store/gateway:0.1.0 or registry/x/gateway@sha256:… → gateway."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0]


def compose_starts(known: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    started = []
    for service, spec in compose["services"].items():
        build = spec.get("build")
        if not build:
            continue
        target = build.get("target") if isinstance(build, dict) else None
        if target not in known:
            problems.append(f"docker-compose.yml {service}: build target {target!r} is not an image target of the Dockerfile")
            continue
        if spec.get("entrypoint"):
            problems.append(f"docker-compose.yml {service}: replaces the image's entrypoint")
        if image_target(spec.get("image", target)) != target:
            problems.append(f"docker-compose.yml {service}: image {spec['image']} is not named for its target {target}")
        started.append((f"compose {service}", target, spec.get("command") or []))
    return started


def chart_starts(renders: list[str], known: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    started = []
    for render in renders:
        for doc in yaml.safe_load_all(Path(render).read_text()):
            if not doc:
                continue
            pod = doc.get("spec", {})
            pod = pod.get("jobTemplate", {}).get("spec", pod)  # CronJob
            pod = pod.get("template", {}).get("spec", {})
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                where = f"{Path(render).name} {doc['kind']}/{doc['metadata']['name']} container {container['name']}"
                target = image_target(container["image"])
                if target not in known:
                    problems.append(f"{where}: image {container['image']} names no target of the Dockerfile")
                    continue
                if container.get("command"):
                    problems.append(f"{where}: replaces the image's entrypoint with {container['command']}")
                started.append((where, target, container.get("args") or []))
    return started


# What each program says about itself when started with no configuration.
SIGNATURES = {
    "seller-agent": "SELLER_TENANT is required",
    "storectl": "Usage: storectl",
}


def run_binary(binary: str) -> None:
    """Start target/debug/<binary> --help with an empty environment: it must be the named program."""
    path = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / binary
    if not path.exists():
        problems.append(f"{path} is not built (cargo build --bin {binary})")
        return
    done = subprocess.run([str(path), "--help"], env={}, capture_output=True, text=True, timeout=30)
    said = done.stdout + done.stderr
    signature = SIGNATURES.get(binary, f'"service":"{binary}"')
    if signature not in said:
        problems.append(f"{binary} --help did not say {signature!r}; it said: {said[:300]!r}")


def main() -> None:
    all_stages = stages((ROOT / "Dockerfile").read_text())
    known = targets(all_stages)
    if not known:
        problems.append("Dockerfile: no target has an ENTRYPOINT")
    started = compose_starts(known) + chart_starts(sys.argv[1:], known)
    for name in ("gateway", "catalog", "order-processor", "seller-agent", "sales-assistant"):
        if not any(t == name for where, t, _ in started if where.startswith("compose")):
            problems.append(f"docker-compose.yml starts no {name}")
        if not any(t == name for where, t, _ in started if not where.startswith("compose")):
            problems.append(f"the chart starts no {name}")
    for binary in sorted(set(known.values())):
        run_binary(binary)
    for where, target, args in started:
        print(f"  {where}: {known.get(target)} {' '.join(args)}".rstrip())
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        sys.exit(1)
    print(f"images: {len(known)} targets, {len(started)} containers started from them, all binaries built, copied and the right programs")


if __name__ == "__main__":
    main()
