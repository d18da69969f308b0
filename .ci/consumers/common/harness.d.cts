export interface Instance {
  readonly host: string;
  readonly port: number;
}
export interface Backends {
  readonly instances: Instance[];
  readonly down: Instance[];
  close(): Promise<unknown>;
}
export interface ExportedTelemetry {
  readonly spans: readonly {
    readonly name: string;
    readonly kind: number;
    readonly status: { readonly code: number };
  }[];
  readonly metrics: readonly {
    readonly scopeMetrics: readonly {
      readonly metrics: readonly { readonly descriptor: { readonly name: string } }[];
    }[];
  }[];
  readonly logs: readonly { readonly eventName?: string | undefined }[];
}
export declare function startBackends(): Promise<Backends>;
export declare const clientOptions: {
  balancer: 'round-robin';
  breaker: { slidingWindowSize: number; minimumNumberOfCalls: number; failureRateThreshold: number };
  retry: { maxAttempts: number; initialDelayMs: number };
};
export declare function get(url: string): Promise<{ status: number; text: string }>;
export declare function callMany(url: string, calls?: number): Promise<void>;
export declare function checkTelemetry(
  label: string,
  telemetry: ExportedTelemetry,
  options?: { server?: boolean },
): void;
export declare function run(main: () => Promise<void>): void;
