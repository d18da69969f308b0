import type { Output } from '../src/dashboard.js';

/** Collects the dashboard's frames instead of writing them to stdout (a log, not a terminal). */
export class TextBuffer implements Output {
  readonly isTTY = false;
  text = '';

  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}
