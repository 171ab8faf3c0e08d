// A one-line progress bar for TTYs (redrawn in place); silent elsewhere.
export function progressLine(label: string, done: number, total: number, extra: string, width = 28): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `${label} [${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${done}/${total} ${extra}`;
}

export function makeProgress(stream: NodeJS.WriteStream, enabled: boolean) {
  let last = 0;
  return {
    update(line: string): void {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return; // ≤ 10 redraws a second
      last = now;
      stream.write(`\r\x1b[2K${line}`);
    },
    done(): void {
      if (enabled) stream.write('\r\x1b[2K');
    },
  };
}
