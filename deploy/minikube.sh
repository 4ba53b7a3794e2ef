#!/usr/bin/env bash
# A fresh Minikube to a working app in one command: starts Minikube (if it is not running), builds the six
# images inside Minikube's Docker (no registry), installs the platform, deploys the chart with
# values-minikube.yaml and runs its smoke test. Then: `minikube tunnel` in another terminal, and
# `127.0.0.1 todo.local` in /etc/hosts, and open http://todo.local/.
#
#   deploy/minikube.sh            MINIKUBE_CPUS (default 4), MINIKUBE_MEMORY (default 8g)
set -euo pipefail
cd "$(dirname "$0")/.."
apps=(tasks chat notifications workflows search web)

if ! minikube status >/dev/null 2>&1; then
  minikube start --cpus "${MINIKUBE_CPUS:-4}" --memory "${MINIKUBE_MEMORY:-8g}" --cni calico \
    --kubernetes-version v1.34.0 --addons metrics-server
fi
# Calico enforces the chart's NetworkPolicies (Minikube's default bridge CNI ignores them).

eval "$(minikube docker-env)"
for app in "${apps[@]}"; do
  docker build --target "$app" -t "local/todo-chatbot-$app:dev" .
done

deploy/platform/install.sh --profile minikube
deploy/deploy.sh -f deploy/helm/todo-chatbot/values-minikube.yaml
echo
echo "Ready. In another terminal: minikube tunnel; then add '127.0.0.1 todo.local' to /etc/hosts and open http://todo.local/"
