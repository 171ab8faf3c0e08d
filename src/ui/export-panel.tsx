// The export dialog: the current graph as a standalone tfjs TypeScript module or as a PyTorch
// project (model.py, train.py, README.md; downloaded as a zip), or, when the graph cannot be
// exported, its errors, each naming its node; with Copy, Download and Close.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import type { Analysis } from '../core/analysis/analyse.ts';
import { zipStored } from '../core/archive/zip.ts';
import { CodegenError, generateTypeScript } from '../core/codegen/index.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import { lowerGraph } from '../core/lower.ts';
import type { Registry } from '../core/registry.ts';
import { CodeView } from './code-view.tsx';

interface ExportProblem {
  readonly nodeId: string | undefined;
  readonly message: string;
}

export type ExportTarget = 'typescript' | 'pytorch';

/** The exported files by name (one for TypeScript), or what stops the export. */
export type ExportResult = { files: Readonly<Record<string, string>> } | { problems: ExportProblem[] };

/** The graph as TypeScript or as a PyTorch project, or what stops it (pure: the dialog renders either). */
export function exportGraph(
  analysis: Analysis,
  registry: Registry,
  target: ExportTarget = 'typescript',
  fileName = 'model.ts',
): ExportResult {
  const lowered = lowerGraph(analysis, registry);
  if (!lowered.ir) {
    const problems = lowered.diagnostics.map((d) => ({ nodeId: d.nodeId, message: d.message }));
    return { problems: problems.length ? problems : [{ nodeId: undefined, message: 'The graph is empty.' }] };
  }
  try {
    if (target === 'pytorch') return { files: generatePyTorch(lowered.ir, registry).files };
    return { files: { [fileName]: generateTypeScript(lowered.ir, registry) } };
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
  const [target, setTarget] = useState<ExportTarget>('typescript');
  const base = fileBase(title);
  const result = useMemo(
    () => exportGraph(analysis, registry, target, `${base}.ts`),
    [analysis, registry, target, base],
  );
  const [shown, setShown] = useState('model.py');
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

  const files = 'files' in result ? result.files : undefined;
  const names = files ? Object.keys(files) : [];
  const fileName = names.includes(shown) ? shown : (names[0] ?? `${base}.ts`);
  const code = files?.[fileName];
  const problems = 'problems' in result ? result.problems : [];

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
    if (!files || code === undefined) return;
    const a = document.createElement('a');
    if (target === 'pytorch') {
      // The project as one zip, its files in a folder named after the graph.
      const enc = new TextEncoder();
      const zip = zipStored(
        Object.entries(files).map(([n, text]) => ({ name: `${base}/${n}`, data: enc.encode(text) })),
      );
      a.href = URL.createObjectURL(new Blob([new Uint8Array(zip)], { type: 'application/zip' }));
      a.download = `${base}-pytorch.zip`;
    } else {
      a.href = URL.createObjectURL(new Blob([code], { type: 'text/typescript' }));
      a.download = fileName;
    }
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
          <h2>
            {code === undefined
              ? 'Cannot export this graph'
              : target === 'pytorch'
                ? `PyTorch: ${base}-pytorch.zip`
                : `TypeScript: ${fileName}`}
          </h2>
          <span className="export-actions" role="tablist" aria-label="Export target">
            {(['typescript', 'pytorch'] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={target === t}
                className={target === t ? 'active' : undefined}
                data-testid={`export-target-${t}`}
                onClick={() => setTarget(t)}
              >
                {t === 'typescript' ? 'TypeScript' : 'PyTorch'}
              </button>
            ))}
          </span>
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
        {target === 'pytorch' && code !== undefined ? (
          <nav className="export-files" aria-label="Files">
            {names.map((n) => (
              <button
                key={n}
                type="button"
                className={n === fileName ? 'active' : undefined}
                aria-pressed={n === fileName}
                data-testid={`code-file-${n}`}
                onClick={() => setShown(n)}
              >
                {n}
              </button>
            ))}
            <span className="export-note">
              The dataset and trained weights come from the CLI: netwright export &lt;graph&gt; --target
              pytorch -o DIR --with-data --weights SAVED
            </span>
          </nav>
        ) : null}
        {code !== undefined && target === 'pytorch' ? (
          <pre className="code-view" title={fileName} data-testid="code-text">
            <code>{code}</code>
          </pre>
        ) : code !== undefined ? (
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
