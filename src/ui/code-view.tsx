// Read-only source code, syntax-highlighted by our own tokenizer (highlight.ts): React text nodes
// only, nothing is parsed as HTML.
import { useMemo } from 'react';
import { highlight } from './highlight.ts';

export function CodeView({ code, label, testId }: { code: string; label: string; testId?: string }) {
  const nodes = useMemo(() => highlight(code), [code]);
  return (
    <pre className="code-view" title={label} data-testid={testId}>
      <code>{nodes}</code>
    </pre>
  );
}
