// Pretest step: the e2e suite drives Debian's Chromium (never a downloaded browser), so a fresh
// machine without it would fail deep inside Playwright. Running as root on a Debian-like system we
// install it with apt; otherwise we stop with the exact command to run. CHROMIUM_PATH overrides the
// binary (then we never install anything: the caller chose a browser).
//
//   npx tsx scripts/ensure-chromium.ts      (wired as `pretest` and `pretest:e2e` in package.json)

import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const APT_GET = '/usr/bin/apt-get';

/** What the decision depends on, injected so the logic is testable without touching the machine. */
export interface ChromiumEnv {
  /** process.env.CHROMIUM_PATH, if set. */
  chromiumPath: string | undefined;
  /** process.getuid?.(): undefined on Windows. */
  uid: number | undefined;
  /** Whether a path exists and is executable. */
  isExecutable(path: string): boolean;
}

export type ChromiumPlan =
  | { action: 'ok'; path: string }
  | { action: 'install'; path: string; commands: readonly (readonly string[])[] }
  | { action: 'stop'; path: string; message: string };

/** The apt commands that install Debian's Chromium (update first: a fresh image has no package lists). */
export const APT_COMMANDS: readonly (readonly string[])[] = [
  ['apt-get', 'update'],
  ['apt-get', 'install', '-y', 'chromium'],
];

/** Decides whether the e2e browser is ready, can be installed here, or needs the user. */
export function chromiumPlan(env: ChromiumEnv): ChromiumPlan {
  const custom = env.chromiumPath?.trim();
  if (custom) {
    if (env.isExecutable(custom)) return { action: 'ok', path: custom };
    return {
      action: 'stop',
      path: custom,
      message:
        `CHROMIUM_PATH=${custom} is not an executable file. Point CHROMIUM_PATH at a Chromium binary, ` +
        `or unset it to use ${DEFAULT_CHROMIUM}.`,
    };
  }
  if (env.isExecutable(DEFAULT_CHROMIUM)) return { action: 'ok', path: DEFAULT_CHROMIUM };
  if (!env.isExecutable(APT_GET)) {
    return {
      action: 'stop',
      path: DEFAULT_CHROMIUM,
      message:
        `The e2e tests need Chromium at ${DEFAULT_CHROMIUM} and this system has no apt-get. Install ` +
        'Chromium, then run: CHROMIUM_PATH=/path/to/chromium npm test',
    };
  }
  if (env.uid === 0) return { action: 'install', path: DEFAULT_CHROMIUM, commands: APT_COMMANDS };
  return {
    action: 'stop',
    path: DEFAULT_CHROMIUM,
    message:
      `The e2e tests need Debian's Chromium at ${DEFAULT_CHROMIUM}. Install it with:\n\n` +
      `  ${APT_COMMANDS.map((c) => `sudo ${c.join(' ')}`).join(' && ')}\n\n` +
      'then run npm test again (or set CHROMIUM_PATH to another Chromium binary).',
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function main(): void {
  const env: ChromiumEnv = { chromiumPath: process.env.CHROMIUM_PATH, uid: process.getuid?.(), isExecutable };
  const plan = chromiumPlan(env);
  if (plan.action === 'stop') {
    console.error(`ensure-chromium: ${plan.message}`);
    process.exit(1);
  }
  if (plan.action === 'install') {
    console.log(`ensure-chromium: ${plan.path} is missing; installing Debian's chromium with apt`);
    for (const [cmd, ...args] of plan.commands) {
      execFileSync(cmd!, args, {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    if (!isExecutable(plan.path)) {
      console.error(`ensure-chromium: apt finished but ${plan.path} is still missing`);
      process.exit(1);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
