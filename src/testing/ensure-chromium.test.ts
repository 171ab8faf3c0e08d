// The pretest step's decision (install Chromium with apt, or stop with the command to run) with the
// environment injected, so no test installs or removes anything; plus the script run as a process
// with CHROMIUM_PATH pointing at a present / absent binary.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  APT_COMMANDS,
  type ChromiumEnv,
  chromiumPlan,
  DEFAULT_CHROMIUM,
} from '../../scripts/ensure-chromium.ts';

const APT = '/usr/bin/apt-get';
const env = (over: Partial<ChromiumEnv> & { present?: string[] }): ChromiumEnv => {
  const present = new Set(over.present ?? []);
  return { chromiumPath: over.chromiumPath, uid: over.uid ?? 1000, isExecutable: (p) => present.has(p) };
};

describe('ensure-chromium plan', () => {
  it('does nothing when /usr/bin/chromium is there', () => {
    expect(chromiumPlan(env({ uid: 0, present: [DEFAULT_CHROMIUM, APT] }))).toEqual({
      action: 'ok',
      path: DEFAULT_CHROMIUM,
    });
  });

  it('as root with apt and no chromium: apt-get update, then install chromium', () => {
    const plan = chromiumPlan(env({ uid: 0, present: [APT] }));
    expect(plan.action).toBe('install');
    if (plan.action !== 'install') return;
    expect(plan.commands.map((c) => c.join(' '))).toEqual(['apt-get update', 'apt-get install -y chromium']);
  });

  it('not root: stops with the exact sudo command, installs nothing', () => {
    const plan = chromiumPlan(env({ uid: 1000, present: [APT] }));
    expect(plan.action).toBe('stop');
    if (plan.action !== 'stop') return;
    expect(plan.message).toContain('sudo apt-get update && sudo apt-get install -y chromium');
  });

  it('without apt-get (not Debian): stops and names CHROMIUM_PATH, even as root', () => {
    const plan = chromiumPlan(env({ uid: 0, present: [] }));
    expect(plan.action).toBe('stop');
    if (plan.action !== 'stop') return;
    expect(plan.message).toContain('CHROMIUM_PATH=');
  });

  it('CHROMIUM_PATH is respected: used when present, and never replaced by an apt install', () => {
    expect(chromiumPlan(env({ chromiumPath: '/opt/c/chrome', present: ['/opt/c/chrome'] }))).toEqual({
      action: 'ok',
      path: '/opt/c/chrome',
    });
    const missing = chromiumPlan(
      env({ chromiumPath: '/opt/c/chrome', uid: 0, present: [APT, DEFAULT_CHROMIUM] }),
    );
    expect(missing.action).toBe('stop');
    if (missing.action === 'stop') expect(missing.message).toContain('CHROMIUM_PATH=/opt/c/chrome');
  });

  it('the install commands are the ones .ci/run uses', () => {
    expect(APT_COMMANDS.map((c) => c.join(' '))).toEqual(['apt-get update', 'apt-get install -y chromium']);
  });
});

describe('ensure-chromium script', () => {
  const run = (chromiumPath: string) =>
    spawnSync('npx', ['tsx', 'scripts/ensure-chromium.ts'], {
      env: { ...process.env, CHROMIUM_PATH: chromiumPath },
      encoding: 'utf8',
    });

  it('exits 0 when CHROMIUM_PATH is an executable, 1 with a message naming it when it is not', () => {
    expect(run(process.execPath).status).toBe(0); // any executable file stands in for the browser
    const bad = run('/nonexistent/chromium');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('CHROMIUM_PATH=/nonexistent/chromium is not an executable file');
  });
});
