// `atlassian-3lo/otel`: OpenTelemetry spans and metrics, through `@opentelemetry/api` (an optional peer
// dependency), kept out of the main entry so that nothing of it reaches an app that does not import it.
export type { Telemetry, TelemetryRequest } from "../oauth2/telemetry.js";
export { type ConnectionGaugeOptions, type ConnectionLister, observeConnections } from "./connection-gauge.js";
export { type OpenTelemetryOptions, openTelemetry } from "./open-telemetry.js";
