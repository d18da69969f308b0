// Names this package adds to core's telemetry/names.ts (attribute keys, the metric, its
// buckets, the known methods and span names come from there, shared with the Express adapter).

/** Instrumentation scope (tracer, meter and logger name) of the NestJS adapter. */
export const SERVER_INSTRUMENTATION_SCOPE = '@switchyard/nestjs';

/** Its version; a test keeps it equal to package.json. */
export const SERVER_INSTRUMENTATION_VERSION = '0.1.0';
