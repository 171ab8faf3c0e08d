// `netwright analyse`: trains the graph, runs the tool, prints figures and writes PGM heat maps;
// bad flags give one clear message (exit 2), never a stack trace.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured as cli } from '../testing/harness.ts';

/** The P19 (or P8) template shrunk: 1 epoch on 80 images. */
function smallGraph(dir: string, id = 'eigen-cam-locate'): string {
  const doc = JSON.parse(readFileSync(new URL(`../../templates/${id}.graph.json`, import.meta.url), 'utf8'));
  doc.training.epochs = 1;
  doc.training.dataset.params.samples = 80;
  const path = join(dir, 'g.graph.json');
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

describe('netwright analyse', () => {
  it('runs Grad-CAM on validation samples, prints the figures and writes PGM maps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-analyse-'));
    const out = join(dir, 'maps');
    const r = await cli(
      'analyse',
      smallGraph(dir),
      '--tool',
      'gradCam',
      '--node',
      'conv2',
      '--samples',
      '3',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Grad-CAM on node 'conv2'/);
    expect(r.stdout).toMatch(/pointing game: /);
    expect(r.stdout).toMatch(/deletion AUC: /);
    expect(readdirSync(out).sort()).toEqual([
      '0-heat.pgm',
      '0-input.pgm',
      '1-heat.pgm',
      '1-input.pgm',
      '2-heat.pgm',
      '2-input.pgm',
    ]);
    const pgm = readFileSync(join(out, '0-heat.pgm'));
    expect(pgm.subarray(0, 13).toString()).toBe('P5\n28 28\n255\n');
    expect(pgm.length).toBe(13 + 28 * 28);
  });

  it('uses the graph’s analyses entry for the node, and reports bad tools and nodes clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-analyse-'));
    const g = smallGraph(dir);
    const ok = await cli('analyse', g, '--tool', 'eigenCam', '--samples', '2', '--json');
    expect(ok.code).toBe(0);
    const line = JSON.parse(ok.stdout.trim().split('\n').at(-1)!);
    expect(line.tool).toBe('eigenCam');
    expect(line.node).toBe('conv2');
    const bad = await cli('analyse', g, '--tool', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /unknown tool 'nope' \(tools: gradCam, eigenCam, cfCam, cluster, inductiveBias, activationMax, cett, ppgnSampler\)/,
    );
    const flat = await cli('analyse', g, '--tool', 'gradCam', '--node', 'logits', '--samples', '2');
    expect(flat.code).toBe(1);
    expect(flat.stderr).toMatch(/analyse\/target: node 'logits'.*conv feature map/);
    expect(flat.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs CF-CAM from the cf-cam-locate template’s analyses entry (node conv2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-analyse-'));
    const r = await cli(
      'analyse',
      smallGraph(dir, 'cf-cam-locate'),
      '--tool',
      'cfCam',
      '--samples',
      '3',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(line.tool).toBe('cfCam');
    expect(line.node).toBe('conv2');
    expect(line.figures['clusters/image']).toBeGreaterThanOrEqual(0);
    expect(line.figures['pointing game']).toBeGreaterThanOrEqual(0);
  });
});
