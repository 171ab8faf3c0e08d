import type { Registry } from '../core/registry.ts';

/** What commands get from the CLI shell: output streams and the node registry. */
export interface CliContext {
  out(line: string): void;
  err(line: string): void;
  readonly isTTY: boolean;
  registry(): Promise<Registry>;
}
