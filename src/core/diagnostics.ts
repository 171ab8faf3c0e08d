// Diagnostics: what analysis returns instead of throwing. Codes are stable (tests, the canvas and
// scripts key on them); every diagnostic names the node (and field/port) it is about.

export type Severity = 'error' | 'warning';

/** A one-click fix the canvas can apply and the CLI can describe. */
export type Fix =
  | {
      readonly kind: 'insert-node';
      readonly type: string;
      readonly edgeId?: string;
      readonly beforeNode: string;
      readonly port: string;
    }
  | { readonly kind: 'set-param'; readonly nodeId: string; readonly field: string; readonly value: unknown };

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly nodeId?: string;
  readonly edgeId?: string;
  readonly field?: string;
  readonly port?: string;
  readonly fix?: Fix;
  /**
   * For a problem inside a group: the group path (from the analysed scope down) and the inner
   * node it is about. `nodeId` then names the outermost group, so the canvas marks what it shows.
   */
  readonly within?: { readonly path: readonly string[]; readonly nodeId?: string };
}

/** Thrown by a node's `infer` for a problem the user must fix; analysis turns it into a Diagnostic. */
export class NodeProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly where: { field?: string; port?: string; fix?: Fix } = {},
  ) {
    super(message);
  }
}

export const reject = (
  code: string,
  message: string,
  where?: { field?: string; port?: string; fix?: Fix },
): never => {
  throw new NodeProblem(code, message, where);
};

export const isError = (d: Diagnostic): boolean => d.severity === 'error';

export const errorDiagnostic = (
  code: string,
  message: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic => ({
  code,
  severity: 'error',
  message,
  ...extra,
});

export const warningDiagnostic = (
  code: string,
  message: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic => ({
  code,
  severity: 'warning',
  message,
  ...extra,
});
