#!/usr/bin/env bash
# Installs the platform the chart runs on, each piece a pinned chart (platform/versions.sh) in its own
# namespace: Dapr (dapr-system), Strimzi and a KRaft Kafka (kafka), the MongoDB operator and a replica set,
# Valkey and Meilisearch (data), the OpenTelemetry collector and Jaeger (observability), Prometheus and
# Grafana (monitoring), Traefik (traefik), and on OKE cert-manager. Then the Secrets the app namespace
# needs, generated once and kept. Idempotent: run it again to upgrade.
#
#   deploy/platform/install.sh [--profile minikube|kind|oke]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.sh
. "$here/versions.sh"
profile=minikube
if [ "${1:-}" = --profile ]; then profile=$2; fi
app_ns=${NAMESPACE:-todo}
timeout=10m

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
ns() {
  kubectl create namespace "$1" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  if [ -n "${2:-}" ]; then kubectl label namespace "$1" "pod-security.kubernetes.io/enforce=$2" --overwrite >/dev/null; fi
}
# A random secret value, created once: an existing Secret keeps its value.
ensure_secret() { # namespace name key [value]
  if ! kubectl -n "$1" get secret "$2" >/dev/null 2>&1; then
    kubectl -n "$1" create secret generic "$2" --from-literal="$3=${4:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}" >/dev/null
  fi
}
secret_value() { kubectl -n "$1" get secret "$2" -o "jsonpath={.data.$3}" | base64 -d; }

step "helm repositories"
helm repo add dapr https://dapr.github.io/helm-charts --force-update >/dev/null
helm repo add mongodb https://mongodb.github.io/helm-charts --force-update >/dev/null
helm repo add valkey https://valkey.io/valkey-helm/ --force-update >/dev/null
helm repo add meilisearch https://meilisearch.github.io/meilisearch-kubernetes --force-update >/dev/null
helm repo add open-telemetry https://open-telemetry.github.io/opentelemetry-helm-charts --force-update >/dev/null
helm repo add jaegertracing https://jaegertracing.github.io/helm-charts --force-update >/dev/null
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update >/dev/null
helm repo add traefik https://traefik.github.io/charts --force-update >/dev/null
helm repo add jetstack https://charts.jetstack.io --force-update >/dev/null
helm repo update >/dev/null

step "Prometheus and Grafana (CRDs first: the others' ServiceMonitors need them)"
ns monitoring privileged
helm upgrade --install monitoring prometheus-community/kube-prometheus-stack --version "$KUBE_PROMETHEUS_STACK_VERSION" \
  -n monitoring -f "$here/values/kube-prometheus-stack.yaml" --wait --timeout "$timeout"
kubectl -n monitoring create configmap todo-dashboard --from-file="$here/dashboards/todo-chatbot.json" \
  --dry-run=client -o yaml | kubectl label --local -f - grafana_dashboard=1 -o yaml | kubectl apply -f -

step "Dapr $DAPR_CHART_VERSION"
ns dapr-system
helm upgrade --install dapr dapr/dapr --version "$DAPR_CHART_VERSION" -n dapr-system \
  -f "$here/values/dapr.yaml" --wait --timeout "$timeout"

step "Strimzi $STRIMZI_CHART_VERSION and Kafka $KAFKA_VERSION (KRaft)"
ns kafka baseline
helm upgrade --install strimzi oci://quay.io/strimzi-helm/strimzi-kafka-operator --version "$STRIMZI_CHART_VERSION" \
  -n kafka --set watchNamespaces='{kafka}' --wait --timeout "$timeout"
sed -e "s/@KAFKA_VERSION@/$KAFKA_VERSION/" -e "s/@KAFKA_METADATA_VERSION@/$KAFKA_METADATA_VERSION/" "$here/manifests/kafka.yaml" | kubectl -n kafka apply -f -
kubectl -n kafka wait kafka/kafka --for=condition=Ready --timeout="$timeout"

step "data: MongoDB replica set, Valkey, Meilisearch"
ns data baseline
ensure_secret data mongodb-app-password password
ensure_secret data valkey-auth password
ensure_secret data meilisearch-master-key MEILI_MASTER_KEY
helm upgrade --install mongodb-operator mongodb/mongodb-kubernetes --version "$MONGODB_OPERATOR_CHART_VERSION" \
  -n data --set operator.watchNamespace=data --wait --timeout "$timeout"
sed "s/@MONGODB_VERSION@/$MONGODB_VERSION/" "$here/manifests/mongodb.yaml" | kubectl -n data apply -f -
kubectl -n data wait mongodbcommunity/mongodb --for=jsonpath='{.status.phase}'=Running --timeout="$timeout"
helm upgrade --install valkey valkey/valkey --version "$VALKEY_CHART_VERSION" -n data \
  -f "$here/values/valkey.yaml" --wait --timeout "$timeout"
helm upgrade --install meilisearch meilisearch/meilisearch --version "$MEILISEARCH_CHART_VERSION" -n data \
  -f "$here/values/meilisearch.yaml" --wait --timeout "$timeout"

step "observability: OpenTelemetry collector, Jaeger"
ns observability baseline
helm upgrade --install jaeger jaegertracing/jaeger --version "$JAEGER_CHART_VERSION" -n observability \
  -f "$here/values/jaeger.yaml" --wait --timeout "$timeout"
helm upgrade --install otel-collector open-telemetry/opentelemetry-collector --version "$OTEL_COLLECTOR_CHART_VERSION" \
  -n observability -f "$here/values/otel-collector.yaml" --wait --timeout "$timeout"

step "Traefik (the ingress controller)"
ns traefik baseline
helm upgrade --install traefik traefik/traefik --version "$TRAEFIK_CHART_VERSION" -n traefik \
  -f "$here/values/traefik.yaml" -f "$here/values/traefik-$profile.yaml" --wait --timeout "$timeout"

if [ "$profile" = oke ]; then
  step "cert-manager $CERT_MANAGER_VERSION and the Let's Encrypt issuer"
  helm upgrade --install cert-manager jetstack/cert-manager --version "$CERT_MANAGER_VERSION" -n cert-manager \
    --create-namespace --set crds.enabled=true --wait --timeout "$timeout"
  : "${ACME_EMAIL:?set ACME_EMAIL (the address Lets Encrypt writes to before a certificate expires)}"
  sed "s/@ACME_EMAIL@/$ACME_EMAIL/" "$here/manifests/cluster-issuer.yaml" | kubectl apply -f -
fi

step "the app namespace's Secrets ($app_ns)"
ns "$app_ns" restricted
password=$(secret_value data mongodb-app-password password)
url="mongodb://app:${password}@mongodb-svc.data.svc.cluster.local:27017/?replicaSet=mongodb&authSource=admin"
kubectl -n "$app_ns" create secret generic mongodb-app-url --from-literal=url="$url" --dry-run=client -o yaml | kubectl apply -f -
# Names and keys the Dapr components and the apps read through the Kubernetes secret store.
kubectl -n "$app_ns" create secret generic redis-password \
  --from-literal=redis-password="$(secret_value data valkey-auth password)" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$app_ns" create secret generic meili-master-key \
  --from-literal=meili-master-key="$(secret_value data meilisearch-master-key MEILI_MASTER_KEY)" \
  --dry-run=client -o yaml | kubectl apply -f -
echo "platform ready ($profile)"
