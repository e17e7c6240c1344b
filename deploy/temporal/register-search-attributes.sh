#!/bin/sh
# One-shot job (temporalio/admin-tools): waits for the Temporal frontend, creates the namespace when it
# is missing, and makes sure campaign-sla's search attributes exist with the right types. They come as
# CAMPAIGN_SLA_SEARCH_ATTRIBUTES="Name=Type Name=Type ..." (types as the Temporal CLI spells them).
# Re-running is safe: what already exists is kept; an attribute registered with another type fails the job.
# The CLI reads TEMPORAL_ADDRESS (and TLS / API-key settings) from the environment itself.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS (host:port of the Temporal frontend) is required}"
: "${CAMPAIGN_SLA_SEARCH_ATTRIBUTES:?CAMPAIGN_SLA_SEARCH_ATTRIBUTES is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
MAX_ATTEMPTS="${TEMPORAL_WAIT_ATTEMPTS:-60}"

fail() {
  echo "$*" >&2
  exit 1
}

attempt=1
until temporal operator cluster health >/dev/null 2>&1; do
  [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "Temporal at $TEMPORAL_ADDRESS is not healthy after $MAX_ATTEMPTS attempts"
  attempt=$((attempt + 1))
  sleep 2
done

attempt=1
until temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; do
  [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "namespace $NAMESPACE could not be created: $output"
  # A failed create (e.g. "already exists" from a concurrent run) is judged by the next describe.
  output=$(temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" 2>&1) || sleep 2
  attempt=$((attempt + 1))
done
echo "namespace $NAMESPACE: ready"

# How the server names a CLI type: KeywordList -> INDEXED_VALUE_TYPE_KEYWORD_LIST.
indexed_type() {
  printf 'INDEXED_VALUE_TYPE_%s' "$(printf '%s' "$1" | sed 's/\([a-z]\)\([A-Z]\)/\1_\2/g' | tr '[:lower:]' '[:upper:]')"
}

ensure_search_attribute() {
  name="$1"
  type="$2"
  expected=$(indexed_type "$type")
  output=''
  attempt=1
  while :; do
    registered=$(temporal operator search-attribute list --namespace "$NAMESPACE" --output json 2>/dev/null |
      sed -n "s/.*\"$name\": *\"\(INDEXED_VALUE_TYPE_[A-Z_]*\)\".*/\1/p")
    if [ "$registered" = "$expected" ]; then
      echo "search attribute $name ($type): ready"
      return
    fi
    [ -z "$registered" ] || fail "search attribute $name is registered as $registered but campaign-sla needs $type"
    [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "search attribute $name ($type) could not be created: $output"
    # A failed create (namespace not visible yet, "already exists" from a concurrent run) is judged by the next list.
    output=$(temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" 2>&1) || sleep 2
    attempt=$((attempt + 1))
  done
}

for attribute in $CAMPAIGN_SLA_SEARCH_ATTRIBUTES; do
  name="${attribute%%=*}"
  type="${attribute#*=}"
  if [ -z "$name" ] || [ "$name" = "$attribute" ] || [ -z "$type" ]; then
    fail "CAMPAIGN_SLA_SEARCH_ATTRIBUTES: \"$attribute\" is not Name=Type"
  fi
  ensure_search_attribute "$name" "$type"
done
