// The export dialog: the current graph as a standalone tfjs TypeScript module (or, when the graph
// cannot be exported, its errors, each naming its node), with Copy, Download and Close.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import type { Analysis } from '../core/analysis/analyse.ts';
import { CodegenError, generateTypeScript } from '../core/codegen/index.ts';
import { lowerGraph } from '../core/lower.ts';
import type { Registry } from '../core/registry.ts';
import { CodeView } from './code-view.tsx';

interface ExportProblem {
  readonly nodeId: string | undefined;
  readonly message: string;
}

export type ExportResult = { code: string } | { problems: ExportProblem[] };

/** The graph's TypeScript, or what stops it (pure: the dialog renders either). */
export function exportGraph(analysis: Analysis, registry: Registry): ExportResult {
  const lowered = lowerGraph(analysis, registry);
  if (!lowered.ir) {
    const problems = lowered.diagnostics.map((d) => ({ nodeId: d.nodeId, message: d.message }));
    return { problems: problems.length ? problems : [{ nodeId: undefined, message: 'The graph is empty.' }] };
  }
  try {
    return { code: generateTypeScript(lowered.ir, registry) };
  } catch (e) {
    if (e instanceof CodegenError) return { problems: [{ nodeId: e.nodeId, message: e.message }] };
    return { problems: [{ nodeId: undefined, message: `Export failed: ${(e as Error)?.message ?? e}` }] };
  }
}

/** `My model (v2)` → `My-model-v2`: a file name without surprises. */
export const fileBase = (title: string): string =>
  title
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'model';

export function ExportPanel({ onClose }: { onClose: () => void }) {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const registry = useEditor((s) => s.registry);
  const title = useEditor((s) => s.history.present.meta.title);
  const result = useMemo(() => exportGraph(analysis, registry), [analysis, registry]);
  const [copied, setCopied] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);

  const code = 'code' in result ? result.code : undefined;
  const problems = 'problems' in result ? result.problems : [];
  const fileName = `${fileBase(title)}.ts`;

  const copy = async () => {
    if (code === undefined) return;
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
    } catch (e) {
      store.toast('error', `Could not copy the code: ${(e as Error)?.message ?? e}`);
    }
  };

  const download = () => {
    if (code === undefined) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([code], { type: 'text/typescript' }));
    a.download = fileName;
    a.click();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <div className="export-backdrop">
      <div
        className="export-panel"
        role="dialog"
        aria-modal="true"
        aria-label="Export"
        data-testid="code-panel"
      >
        <header className="export-head">
          <h2>{code !== undefined ? `TypeScript: ${fileName}` : 'Cannot export this graph'}</h2>
          <span className="export-actions">
            <button
              type="button"
              data-testid="code-copy"
              disabled={code === undefined}
              onClick={() => void copy()}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button
              type="button"
              data-testid="code-download"
              disabled={code === undefined}
              onClick={download}
            >
              Download
            </button>
            <button type="button" ref={closeRef} data-testid="code-close" onClick={onClose}>
              Close
            </button>
          </span>
        </header>
        {code !== undefined ? (
          <CodeView code={code} label="Generated TypeScript" testId="code-text" />
        ) : (
          <ul className="export-problems" data-testid="code-problems">
            {problems.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list, rebuilt whole on change
              <li key={i}>
                {p.nodeId !== undefined ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      store.focusNode(p.nodeId!);
                      onClose();
                    }}
                  >
                    {p.nodeId}
                  </button>
                ) : null}
                {p.nodeId !== undefined ? ': ' : ''}
                {p.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
