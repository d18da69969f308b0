import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { BreakerBoard } from './breakerBoard.js';
import type { Dashboard, Row } from './dashboard.js';
import type { EventLog } from './eventLog.js';
import type { LastTraceExporter } from './lastTraceExporter.js';
import type { LoadGenerator } from './loadGenerator.js';
import type { Membership } from './membership.js';
import type { PickTracker } from './pickTracker.js';
import type { ShopInstance } from './shopInstance.js';
import { fmtMs } from './shopResult.js';
import { renderSpanTree, spanTree } from './spanTree.js';

/** Everything the dashboard shows, read live on each frame. */
export interface ShopState {
  readonly title: string;
  readonly requests: number;
  readonly instances: readonly ShopInstance[];
  /** Short notes per instance id (slow, joined late, stopped). */
  readonly notes: ReadonlyMap<string, string>;
  readonly load: LoadGenerator;
  readonly breakers: BreakerBoard;
  readonly picks: PickTracker;
  readonly membership: Membership;
  readonly retries: ReadonlyMap<string, number>;
  readonly events: EventLog;
  readonly traces: LastTraceExporter;
  readonly metricsUrl: string | undefined;
}

const HEADER = ['service', 'instance', 'server', 'requests', 'p50 ms', 'p99 ms', '5xx sent', 'breaker', 'note'];

/** Draws one frame of the shop: a row per instance, then callers, events and the last trace. */
export function drawShop(dashboard: Dashboard, state: ShopState, final = false): void {
  const { load } = state;
  const rows: Row[] = state.instances.map((instance) => {
    const { stats, behaviour, name } = instance;
    const notes = [
      behaviour.failWith === undefined ? '' : `failing (${behaviour.failWith})`,
      state.notes.get(name) ?? '',
      stats.keys.size > 0 ? `${stats.keys.size} users` : '',
    ].filter((n) => n !== '');
    return {
      cells: [
        instance.service,
        name,
        instance.framework,
        String(stats.requests),
        fmtMs(stats.percentile(0.5)),
        fmtMs(stats.percentile(0.99)),
        String(stats.serverErrors),
        instance.service === 'gateway' || state.membership.hasLeft(name) ? '-' : (state.breakers.state(name) ?? '-'),
        notes.join(', '),
      ],
    };
  });
  const s = load.stats;
  const elapsed = (load.elapsedMs() / 1000).toFixed(1);
  const retries = [...state.retries].map(([service, n]) => `${service} ${n}`).join(' · ');
  const leftPicks = state.instances.reduce((sum, i) => sum + state.picks.picksAfterLeavingOf(i.name), 0);
  const footer = [
    '',
    `callers: ${load.done}/${state.requests} checkouts in ${elapsed} s, ${load.errors} errors, ` +
      `p50 ${fmtMs(s.percentile(0.5))} ms, p99 ${fmtMs(s.percentile(0.99))} ms (plain fetch → gateway); ` +
      `event loop ${Math.round(load.busy() * 100)}% busy`,
    `gateway client: retries ${retries || 'none'}; picks of instances that had left: ${leftPicks}`,
    state.metricsUrl === undefined
      ? 'metrics: off (port in use? try --metrics-port 0)'
      : `metrics: ${state.metricsUrl}   (curl -s ${state.metricsUrl} | grep switchyard_)`,
    '',
    'events:',
    ...state.events.last(final ? 14 : 8).map((e) => `  ${e}`),
    '',
    ...traceLines(state),
  ];
  dashboard.render(
    `${state.title} · ${load.done}/${state.requests} checkouts · ${elapsed} s`,
    HEADER,
    rows,
    footer,
    final,
  );
}

function traceLines(state: ShopState): string[] {
  const root = spanTree(state.traces.lastTrace);
  if (root === undefined) return ['last checkout trace: none yet'];
  const byPort = new Map(state.instances.map((i) => [i.port, i.name]));
  const where = (span: ReadableSpan): string => {
    const id = span.attributes['switchyard.instance.id'];
    if (typeof id === 'string') return id;
    return byPort.get(Number(span.attributes['server.port'])) ?? '?';
  };
  return [
    `last checkout trace ${root.span.spanContext().traceId.slice(0, 16)}… (SERVER → CLIENT attempts → SERVER):`,
    ...renderSpanTree(root, where).map((line) => `  ${line}`),
  ];
}
