/** Instrumentation scope (tracer, meter and logger name) of the Express adapter. */
export const INSTRUMENTATION_SCOPE = '@switchyard/express';

/** Its version; a test keeps it equal to package.json. */
export const INSTRUMENTATION_VERSION = '0.1.0';
