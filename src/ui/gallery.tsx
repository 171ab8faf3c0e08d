// The template gallery: one card per templates/<id>.graph.json (title, paper, year, claim, the
// paper's expected parameter count beside the analysed one, the last recorded verify verdict and
// its key figure), plus a blank canvas.

import { useState } from 'react';
import type { TemplateEntry } from '../app/templates.ts';
import { formatCount, plural, totalParamsLabel } from './format.ts';
import { useVerifiable, VerifyPanel } from './verify-panel.tsx';

export function Gallery({
  templates,
  onOpen,
  onBlank,
  onBack,
}: {
  templates: readonly TemplateEntry[];
  onOpen?: (id: string) => void;
  onBlank?: () => void;
  onBack?: () => void;
}) {
  const verifiable = useVerifiable();
  const [verifying, setVerifying] = useState(false);
  return (
    <section className="gallery" aria-label="Templates">
      <div className="gallery-head">
        <h2>Templates</h2>
        {onBlank && (
          <button type="button" data-testid="gallery-blank" onClick={onBlank}>
            Blank canvas
          </button>
        )}
        {onBack && (
          <button type="button" data-testid="gallery-back" onClick={onBack}>
            Back to the current graph
          </button>
        )}
      </div>
      {templates.length === 0 ? (
        <p className="muted" data-testid="gallery-empty">
          No templates yet: add <code>templates/&lt;id&gt;.graph.json</code> files.
        </p>
      ) : (
        <ul className="gallery-grid">
          {templates.map((t) => (
            <GalleryCard
              key={t.id}
              entry={t}
              {...(onOpen ? { onOpen } : {})}
              verify={verifiable.has(t.id) ? { busy: verifying, onBusy: setVerifying } : undefined}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function GalleryCard({
  entry,
  onOpen,
  verify,
}: {
  entry: TemplateEntry;
  onOpen?: (id: string) => void;
  verify: { busy: boolean; onBusy: (b: boolean) => void } | undefined;
}) {
  const { id, meta, analysis, diagnostics } = entry;
  const expected = meta?.expected?.params;
  const total = analysis?.totalParams;
  const mismatch = expected !== undefined && total !== undefined && expected !== total;
  const paper = meta?.paper;
  return (
    <li
      className={`card${mismatch || diagnostics.length > 0 ? ' card-warn' : ''}`}
      data-testid={`gallery-item-${id}`}
    >
      <a
        href={`?template=${encodeURIComponent(id)}`}
        className="card-title"
        onClick={(e) => {
          if (!onOpen || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          onOpen(id);
        }}
      >
        {meta?.title ?? id}
      </a>
      {paper ? (
        <p className="card-paper">
          {paper.title} ({paper.year}){paper.arxiv && <span className="muted"> · arXiv {paper.arxiv}</span>}
        </p>
      ) : (
        meta?.tags?.includes('classic') && <p className="card-paper muted">Classic</p>
      )}
      {meta?.claim && <p className="card-claim">{meta.claim}</p>}
      <RecordedVerdict id={id} meta={meta} />
      <dl className="card-facts">
        {expected !== undefined && (
          <>
            <dt>Expected</dt>
            <dd>{formatCount(expected)}</dd>
          </>
        )}
        <dt>Analysed</dt>
        <dd>{total === undefined ? '—' : totalParamsLabel(total)}</dd>
        <dt>Diagnostics</dt>
        <dd>{plural(diagnostics.length, 'diagnostic')}</dd>
      </dl>
      {verify && <VerifyPanel templateId={id} busy={verify.busy} onBusy={verify.onBusy} />}
    </li>
  );
}

/** The last recorded `netwright verify` outcome (meta.verdict), or that none is recorded yet. */
function RecordedVerdict({ id, meta }: { id: string; meta: TemplateEntry['meta'] }) {
  const verdict = meta?.verdict;
  if (!verdict) {
    if (!meta?.experiment) return null;
    return (
      <p className="card-verdict muted" data-testid={`gallery-verdict-${id}`}>
        No verdict recorded yet: press Verify to run the experiment.
      </p>
    );
  }
  const pass = verdict.result === 'pass';
  return (
    <p className="card-verdict" data-testid={`gallery-verdict-${id}`} title={meta?.measured}>
      <span className="muted">Last recorded: </span>
      <strong className={pass ? 'status-ok' : 'status-error'}>{pass ? 'PASS' : 'FAIL'}</strong>{' '}
      {verdict.figure}
    </p>
  );
}
