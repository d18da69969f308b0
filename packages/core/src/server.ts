// @switchyard/core/server: the node:http layer both adapters share (registration, drain,
// problem mapper, server telemetry). Frameworks only translate their request, response and
// lifecycle to it.

export { checkClientOptions } from './client/checkClientOptions.js';
export { capLogText } from './common/redact.js';
export {
  booleanOption,
  finiteNumber,
  fn as functionOption,
  knownKeys,
  nonEmptyString,
  plainObject,
} from './common/validate.js';
export { errorText } from './errors/safeRead.js';
export { MAX_TIMER_DELAY_MS } from './policy/sleep.js';
export type { AddressSource } from './server/advertisedAddress.js';
export { advertisedAddress } from './server/advertisedAddress.js';
export { answerProblem } from './server/answerProblem.js';
export type { DrainResult } from './server/drainServer.js';
export { drainServer } from './server/drainServer.js';
export type { HttpRequestHeaders, HttpServerRequestGetter } from './server/HttpServerRequestGetter.js';
export type { HttpServerRequestHandle, HttpServerRequestResult } from './server/HttpServerRequestHandle.js';
export type { HttpServerScope, HttpServerTelemetryOptions } from './server/HttpServerTelemetry.js';
export { HttpServerTelemetry } from './server/HttpServerTelemetry.js';
export type { HttpErrorStatus } from './server/httpStatusOf.js';
export { httpStatusOf } from './server/httpStatusOf.js';
export { InFlightRequests } from './server/InFlightRequests.js';
export type { RegistrationState } from './server/InstanceRegistration.js';
export { InstanceRegistration } from './server/InstanceRegistration.js';
export { isServiceClient } from './server/isServiceClient.js';
export { LifecycleEvents } from './server/LifecycleEvents.js';
export type { AdvertisedAddress, LifecyclePhase, ListenRegistration } from './server/ListenRegistration.js';
export type { NodeRequestLike } from './server/nodeRequestGetter.js';
export { NODE_REQUEST_GETTER } from './server/nodeRequestGetter.js';
export type { ProblemOptions, SwitchyardProblem, SwitchyardProblemBody } from './server/problem.js';
export { PROBLEM_CONTENT_TYPE, switchyardProblem } from './server/problem.js';
export { registerOnListen, validateRegistration, validateRegistry } from './server/registerOnListen.js';
export type {
  LifecycleStage,
  ServerLifecycle,
  ServerLifecycleOptions,
  ShutdownResult,
} from './server/ServerLifecycle.js';
export type { ServerRequestContext } from './server/ServerRequestContext.js';
export { CLIENT_CLOSED_REQUEST, ServerRequestScope } from './server/ServerRequestScope.js';
export type { ServerRequestsOptions } from './server/ServerRequests.js';
export { ServerRequests } from './server/ServerRequests.js';
export { TelemetryGuard } from './server/TelemetryGuard.js';
export type { UpstreamFailureKind } from './server/upstreamFailure.js';
export { upstreamFailureOf } from './server/upstreamFailure.js';
export { writeProblem } from './server/writeProblem.js';
// The Logs API the installed SDK line listens on (the adapters' lifecycle records go there).
