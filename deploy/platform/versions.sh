# shellcheck shell=bash disable=SC2034 # sourced by install.sh, which uses every variable
# Pinned charts of the platform (sourced by install.sh; why each: docs/decisions/0021-deploy.md).
# Bump one line at a time and run the e2e workflow.
DAPR_CHART_VERSION=1.18.2                # dapr/dapr (https://dapr.github.io/helm-charts), Apache-2.0
STRIMZI_CHART_VERSION=1.2.0              # oci://quay.io/strimzi-helm/strimzi-kafka-operator, Apache-2.0
KAFKA_VERSION=4.3.1                      # the newest Strimzi 1.2 runs; KRaft only (metadata 4.3-IV0)
KAFKA_METADATA_VERSION=4.3-IV0
MONGODB_OPERATOR_CHART_VERSION=1.13.0    # mongodb/mongodb-kubernetes (MongoDB Controllers for Kubernetes), Apache-2.0
MONGODB_VERSION=8.0.12                   # MongoDB Community Server, from quay.io/mongodb
VALKEY_CHART_VERSION=1.0.0               # valkey/valkey (https://valkey.io/valkey-helm), BSD-3-Clause
MEILISEARCH_CHART_VERSION=0.34.0         # meilisearch/meilisearch (https://meilisearch.github.io/meilisearch-kubernetes), MIT
OTEL_COLLECTOR_CHART_VERSION=0.173.1     # open-telemetry/opentelemetry-collector, Apache-2.0
JAEGER_CHART_VERSION=4.12.0              # jaegertracing/jaeger (Jaeger v2), Apache-2.0
KUBE_PROMETHEUS_STACK_VERSION=88.6.0     # prometheus-community/kube-prometheus-stack (Prometheus, Grafana), Apache-2.0
TRAEFIK_CHART_VERSION=41.3.0             # traefik/traefik, MIT (Kubernetes' ingress-nginx was retired in 2026)
CERT_MANAGER_VERSION=v1.20.2             # jetstack/cert-manager, Apache-2.0 (OKE only: Let's Encrypt)
