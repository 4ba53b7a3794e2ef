import { config } from './config.ts';

/**
 * Every port of the local stack, as an offset from one base (STACK_PORT_BASE, default 20000, below the
 * ephemeral port ranges; see config.ts), so nothing collides with the defaults of the pieces
 * (2379/2380/8080/9090/9092/6379) nor with the client side of other connections, and a second stack can
 * run on another base.
 */
export function stackPorts(base = config.portBase) {
  return {
    sentry: { grpc: base + 1, healthz: base + 11, metrics: base + 12 },
    placement: { grpc: base + 5, healthz: base + 15, metrics: base + 16, raft: base + 21 },
    scheduler: {
      grpc: base + 6,
      healthz: base + 17,
      metrics: base + 18,
      etcdClient: base + 19,
      etcdPeer: base + 20,
    },
    redis: base + 30,
    mongo: base + 50,
    postgres: base + 55,
    kafka: { broker: base + 40, controller: base + 41 },
    /** Jaeger, when installed: OTLP in (gRPC for daprd, HTTP for the apps), the UI and its API, health. */
    jaeger: {
      otlpGrpc: base + 45,
      otlpHttp: base + 46,
      query: base + 47,
      health: base + 48,
      queryGrpc: base + 49,
    },
    /** Public HTTP ports of the apps (the API and health checks only): base+60+n, n < 40. */
    app: (n: number) => base + 60 + n,
    /** Each stack app's /metrics listener (METRICS_PORT): base+80+n for app(n), n < 10 (probe apps have none). */
    metrics: (n: number) => base + 80 + n,
    /**
     * The apps' internal listeners (INTERNAL_PORT, on loopback): daprd's app port, where it delivers
     * invocations, events and bindings: base+700+n, n < 40.
     */
    appInternal: (n: number) => base + 700 + n,
    /** daprd sidecars: slot i gets base+100+10i .. +3. */
    sidecar: (slot: number) => {
      const p = base + 100 + 10 * slot;
      return { http: p, grpc: p + 1, internalGrpc: p + 2, metrics: p + 3 };
    },
  };
}

export type StackPorts = ReturnType<typeof stackPorts>;
