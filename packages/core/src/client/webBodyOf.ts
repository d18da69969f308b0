import type { Readable } from 'node:stream';

/**
 * `body` as the web stream a Response reads: chunk by chunk as the reader pulls, and a
 * cancel that destroys the Node stream (which frees the connection under it). Response
 * given the Node stream itself, as an async iterable, leaves a cancelled body's
 * connection paused for good; `Readable.toWeb` throws from an event handler when data
 * comes after a cancel.
 */
export function webBodyOf(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done === true) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      body.destroy();
    },
  });
}
