// Verify on a gallery card: runs the template's miniature experiment in the training Worker and
// shows the paper's claim, the pass criterion, the measured figures and PASS/FAIL — what
// `netwright verify <id>` prints.
import { useEffect, useState } from 'react';
import { useEditor } from '../app/editor-context.ts';
import type { VerifyResult } from '../trainer/protocol.ts';

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly line: string }
  | { readonly kind: 'done'; readonly result: VerifyResult }
  | { readonly kind: 'error'; readonly message: string };

/** The template ids the Worker can verify (empty until it has started). */
export function useVerifiable(): ReadonlySet<string> {
  const trainer = useEditor((s) => s.trainer);
  const [ids, setIds] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    let live = true;
    trainer?.experiments.then((list) => live && setIds(new Set(list)));
    return () => {
      live = false;
    };
  }, [trainer]);
  return ids;
}

export function VerifyPanel({
  templateId,
  busy,
  onBusy,
}: {
  templateId: string;
  busy: boolean;
  onBusy: (b: boolean) => void;
}) {
  const trainer = useEditor((s) => s.trainer);
  const [state, setState] = useState<State>({ kind: 'idle' });
  const run = async () => {
    if (!trainer) return;
    onBusy(true);
    setState({ kind: 'running', line: 'starting…' });
    try {
      const result = await trainer.verify(templateId, (line) => setState({ kind: 'running', line }));
      setState({ kind: 'done', result });
    } catch (e) {
      setState({ kind: 'error', message: (e as Error)?.message ?? String(e) });
    } finally {
      onBusy(false);
    }
  };
  return (
    <div className="verify">
      <button
        type="button"
        data-testid="verify-button"
        disabled={!trainer || busy}
        title="Run the paper's miniature experiment here (about a minute; training waits meanwhile)"
        onClick={() => void run()}
      >
        {state.kind === 'running' ? 'Verifying…' : 'Verify'}
      </button>
      {state.kind === 'running' && (
        <p className="muted verify-log" data-testid="verify-log">
          {state.line}
        </p>
      )}
      {state.kind === 'error' && (
        <p className="error" role="alert" data-testid="verify-result">
          Verify failed: {state.message}
        </p>
      )}
      {state.kind === 'done' && <VerifyResultView result={state.result} />}
    </div>
  );
}

function VerifyResultView({ result }: { result: VerifyResult }) {
  return (
    <section className="verify-result" data-testid="verify-result" aria-label="Verify result">
      <p>
        <strong className={result.pass ? 'status-ok' : 'status-error'} data-testid="verify-verdict">
          {result.pass ? 'PASS' : 'FAIL'}
        </strong>{' '}
        <span className="muted">
          ({result.seconds} s on {result.backend})
        </span>
      </p>
      <p className="muted">Criterion: {result.criterion}</p>
      <table className="verify-figures">
        <tbody>
          {Object.entries(result.figures).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{typeof v === 'number' ? Number(v.toPrecision(4)) : v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
