import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

// As fetch decodes: lenient about a truncated end, so a body cut short still yields what came.
const ZLIB = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};
/** fetch refuses more codings than this on one response. */
const MAX_CODINGS = 5;

/**
 * `body` decoded by its `Content-Encoding`, as fetch decodes a response: gzip, deflate
 * (zlib-wrapped or raw) and br, applied last-first. A coding fetch does not know leaves
 * the body as it came, undecoded, as fetch does.
 */
export function decodeBody(body: Readable, contentEncoding: string): Readable {
  const codings = contentEncoding.toLowerCase().split(',');
  if (codings.length > MAX_CODINGS) {
    throw new TypeError(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CODINGS}`);
  }
  const order: string[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = (codings[i] as string).trim();
    if (coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate' || coding === 'br') order.push(coding);
    else if (coding !== '' && coding !== 'identity') return body;
  }
  if (order.length === 0) return body;
  // Made only once every coding is known: an unknown one leaves the body as it came.
  const decoders = order.map((coding) =>
    coding === 'deflate'
      ? new InflateEither()
      : coding === 'br'
        ? zlib.createBrotliDecompress(BROTLI)
        : zlib.createGunzip(ZLIB),
  );
  // pipeline destroys every stage when one fails, so the reader sees the error.
  return pipeline([body, ...decoders], () => {}) as unknown as Readable;
}

/** "deflate" as servers send it: zlib-wrapped (as specified) or raw, told by the first byte. */
class InflateEither extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // The first byte tells the format: an empty chunk tells nothing.
    if (chunk.length === 0) {
      callback();
      return;
    }
    if (this.inner === undefined) {
      const inner = ((chunk[0] as number) & 0x0f) === 0x08 ? zlib.createInflate(ZLIB) : zlib.createInflateRaw(ZLIB);
      this.inner = inner;
      inner.on('data', (data: Buffer) => this.push(data));
      inner.on('error', (error) => this.destroy(error));
    }
    this.inner.write(chunk, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The zlib stream holds native memory until destroyed.
    this.inner?.destroy();
    callback(error);
  }

  override _flush(callback: TransformCallback): void {
    if (this.inner === undefined) {
      callback();
      return;
    }
    this.inner.once('end', () => callback());
    this.inner.end();
  }
}
