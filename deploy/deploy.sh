#!/usr/bin/env bash
# Deploys the apps to the cluster kubectl points at: the Dapr resources (deploy/dapr/kubernetes and the
# local stack's Resiliency, which is the same everywhere), then the chart with `helm upgrade --install
# --rollback-on-failure --wait` (Helm 4's `--atomic`: a failed rollout is rolled back), then `helm test`. The platform must be installed
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

# Roll back on failure: Helm 4 calls it --rollback-on-failure (--atomic is deprecated there), Helm 3 --atomic.
case "$(helm version --template '{{.Version}}')" in
  v3.*) rollback=--atomic ;;
  *) rollback=--rollback-on-failure ;;
esac
helm upgrade --install "$release" deploy/helm/todo-chatbot \
  --namespace "$namespace" "$rollback" --wait --timeout "$timeout" "$@"
helm test "$release" --namespace "$namespace" --timeout 5m --logs
