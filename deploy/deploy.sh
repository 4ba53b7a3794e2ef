#!/usr/bin/env bash
# Deploys the apps to the cluster kubectl points at: the Dapr resources (deploy/dapr/kubernetes and the
# local stack's Resiliency, which is the same everywhere), then the chart with `helm upgrade --install
# --atomic --wait` (a failed rollout is rolled back), then `helm test`. The platform must be installed
# first (deploy/platform/install.sh).
#
#   deploy/deploy.sh [-f values-file]... [--set key=value]...
#   NAMESPACE (default todo), RELEASE (default todo-chatbot), TIMEOUT (default 10m)
set -euo pipefail
cd "$(dirname "$0")/.."
namespace=${NAMESPACE:-todo}
release=${RELEASE:-todo-chatbot}
timeout=${TIMEOUT:-10m}

kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$namespace" pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest --overwrite

# The Dapr resources first: a sidecar loads its components when it starts. The same list as
# deploy/validate/compare.ts (clusterDaprFiles), which checks it.
kubectl -n "$namespace" apply -f deploy/dapr/kubernetes/ -f deploy/dapr/local/resources/resiliency.yaml

helm upgrade --install "$release" deploy/helm/todo-chatbot \
  --namespace "$namespace" --atomic --wait --timeout "$timeout" "$@"
helm test "$release" --namespace "$namespace" --timeout 5m --logs
