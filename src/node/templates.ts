// Templates on disk: templates/<id>.graph.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');

export function listTemplateIds(): string[] {
  return readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.graph.json'))
    .map((f) => f.slice(0, -'.graph.json'.length))
    .sort();
}

export function templatePath(id: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) return undefined;
  const p = join(TEMPLATES_DIR, `${id}.graph.json`);
  return existsSync(p) ? p : undefined;
}

export function readTemplate(id: string): string {
  const p = templatePath(id);
  if (!p) throw new Error(`no template '${id}'`);
  return readFileSync(p, 'utf8');
}
