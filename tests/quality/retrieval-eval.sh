#!/usr/bin/env bash
# Retrieval quality on the demo corpus: indexes it into a fresh directory and scores query-docs
# and resolve-library-id on the labelled questions in eval/. Fails when the ranking is not well
# clear of the word-overlap floor; the report is kept in the build tree for reading.
set -euo pipefail
mcpgate="$1" source_dir="$2" report="$3"
manifest="$source_dir/corpus/sources/libraries.yaml"
if [ ! -f "$manifest" ]; then
  echo "retrieval-eval: $manifest is missing; lay out the demo corpus with: bash scripts/fetch-corpus.sh" >&2
  exit 1
fi
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$mcpgate" index --data-dir "$data" add --manifest "$manifest" >/dev/null
echo "== development set (tuned on)"
"$mcpgate" index --data-dir "$data" eval "$source_dir/eval/dev.jsonl" --min-gain 1.5 --details | tee "$report" | sed -n '1,18p'
echo "== first set (tuned on)"
"$mcpgate" index --data-dir "$data" eval "$source_dir/eval/questions.jsonl" --min-gain 1.5 --details | tee -a "$report" | sed -n '1,16p'
echo "== held-out set (measured once, at the end of the 2026-12 work; a gate since, never tuned on)"
"$mcpgate" index --data-dir "$data" eval "$source_dir/eval/heldout-2.jsonl" --min-gain 1.5 | tee -a "$report" | sed -n '1,18p'
echo "== first held-out set (measured once in its day; tuned on since)"
"$mcpgate" index --data-dir "$data" eval "$source_dir/eval/heldout.jsonl" --min-gain 1.2 --details | tee -a "$report" | sed -n '1,16p'
