// meta.verdict (shown on gallery cards) must agree with the hand-recorded meta.measured text it
// summarises: every measured template has a verdict, and its PASS/FAIL is the one measured states.
import { describe, expect, it } from 'vitest';
import { parseGraphText } from '../core/doc/parse.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';

describe('template verdicts', () => {
  it.each(listTemplateIds())('%s: verdict present when measured, and agrees with it', (id) => {
    const meta = parseGraphText(readTemplate(id)).doc!.meta;
    if (!meta.measured) {
      expect(meta.verdict).toBeUndefined();
      return;
    }
    expect(meta.verdict, 'a measured template records its verdict for the gallery').toBeDefined();
    const word = meta.verdict!.result === 'pass' ? 'PASS' : 'FAIL';
    // The verdict sentence of `measured` ("… PASS." / "FAIL: …"): its first PASS/FAIL word.
    const stated = /\b(PASS|FAIL)\b/.exec(meta.measured)?.[1];
    expect(stated).toBe(word);
  });
});
