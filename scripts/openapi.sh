#!/usr/bin/env bash
# Writes the services' OpenAPI documents to docs/openapi/ from their code:
# the test that otherwise fails when a committed document is not current
# (tests/tests/it/openapi.rs), run with UPDATE_DOCS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
UPDATE_DOCS=1 cargo nextest run -p store-tests \
    -E 'test(=openapi::every_committed_document_is_what_the_code_generates)'
