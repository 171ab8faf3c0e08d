// Explain drawer: runs an analysis tool (Grad-CAM, Eigen-CAM — src/explain's registry, listed by
// the Worker) on the trained model, in the Worker. The tool's eligible nodes (outputs of the rank
// its `target.ranks` names) glow on the canvas; the target is picked by clicking one there or from
// the list here (buttons: keyboard accessible). Heat maps are drawn over the input image with the
// canvas 2D API only (no HTML strings), the true box outlined when the dataset has one, the map's peak
// marked; the figures table lists what the tool measured. A template's `analyses` entry pre-selects
// the tool, node and params it opens with.
//
// Test ids: explain-drawer, explain-close, explain-tool, explain-node-<id>, explain-class,
// explain-sample, explain-count, explain-run, explain-status, explain-error, explain-heatmap (data-peak
// "row,col", data-box "r0,c0,r1,c1", data-peak-in-box), explain-thumb-<i>, explain-figures,
// explain-deletion, explain-images / explain-image (a reply's image views: src/ui/image-grid.tsx; while a
// streaming tool such as ppgnSampler runs, its latest frame: src/ui/images-grid.tsx, data-frame/-sum/-title).
import { type ReactNode, useEffect, useId, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import type { TrainerClient } from '../app/trainer-client.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { irIdOf } from '../core/groups.ts';
import { type ModelIR, scoresKey } from '../core/ir.ts';
import type { ImagesView } from '../explain/views.ts';
import { eligibleAnalysisNodes } from '../trainer/analysis-targets.ts';
import type { AnalysisHeatmap, AnalysisReply, AnalysisToolInfo } from '../trainer/protocol.ts';
import { ImageGrid } from './image-grid.tsx';
import { ImagesGrid } from './images-grid.tsx';
import { LineChart } from './line-chart.tsx';

/** Screen pixels per input pixel of the large map, and of the thumbnails. */
const SCALE = 8;
const THUMB = 2;
const BOX = '#2ecc71';
const MAX_ROWS = 64;

type ClassChoice = 'predicted' | 'true' | number;

/** The brightest pixel of a map: [row, col] (the first one on ties). */
export function peakOf(heat: Float32Array, width: number): [number, number] {
  let best = 0;
  for (let i = 1; i < heat.length; i++) if (heat[i]! > heat[best]!) best = i;
  return [Math.floor(best / width), best % width];
}

/** Jet colour map of v ∈ [0, 1]. */
const jet = (v: number): [number, number, number] => {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
};

/** The input in grey (min-max) blended with the heat's colour map, as RGBA at the map's size. */
function overlayPixels(item: AnalysisHeatmap, n: number): Uint8ClampedArray {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of item.base) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo > 1e-9 ? hi - lo : 1;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = (255 * (item.base[i]! - lo)) / span;
    const h = item.heat[i]!;
    const [r, gr, b] = jet(h);
    const a = 0.25 + 0.45 * h;
    rgba[i * 4] = (1 - a) * g + a * r;
    rgba[i * 4 + 1] = (1 - a) * g + a * gr;
    rgba[i * 4 + 2] = (1 - a) * g + a * b;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

function HeatmapCanvas({
  item,
  height,
  width,
  scale,
  testId,
  label,
}: {
  item: AnalysisHeatmap;
  height: number;
  width: number;
  scale: number;
  testId: string;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const peak = useMemo(() => peakOf(item.heat, width), [item, width]);
  const box = item.box;
  const inBox =
    box !== undefined && peak[0] >= box[0] && peak[0] <= box[2] && peak[1] >= box[1] && peak[1] <= box[3];
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    // Each map pixel becomes a scale × scale block of one ImageData (no second canvas to create).
    const px = overlayPixels(item, width * height);
    const W = width * scale;
    const img = ctx.createImageData(W, height * scale);
    const out = new Uint32Array(img.data.buffer);
    const src = new Uint32Array(px.buffer);
    for (let r = 0; r < height; r++)
      for (let dy = 0; dy < scale; dy++) {
        const row = (r * scale + dy) * W;
        for (let c = 0; c < width; c++) out.fill(src[r * width + c]!, row + c * scale, row + (c + 1) * scale);
      }
    ctx.putImageData(img, 0, 0);
    if (box) {
      ctx.strokeStyle = BOX;
      ctx.lineWidth = Math.max(1, scale / 4);
      ctx.strokeRect(
        box[1] * scale,
        box[0] * scale,
        (box[3] - box[1] + 1) * scale,
        (box[2] - box[0] + 1) * scale,
      );
    }
    if (scale >= 4) {
      // The peak: a white ring around its pixel.
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc((peak[1] + 0.5) * scale, (peak[0] + 0.5) * scale, scale, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }, [item, height, width, scale, box, peak]);
  return (
    <canvas
      ref={ref}
      width={width * scale}
      height={height * scale}
      role="img"
      aria-label={label}
      data-testid={testId}
      data-peak={`${peak[0]},${peak[1]}`}
      {...(box ? { 'data-box': box.join(','), 'data-peak-in-box': String(inBox) } : {})}
    />
  );
}

/** Renders its children one task after it mounts: the answer's large map paints first, the rest
 * next, so no single main-thread task draws everything. */
function Later({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const t = window.setTimeout(() => setReady(true), 0);
    return () => window.clearTimeout(t);
  }, []);
  return ready ? children : null;
}

const fmtFigure = (v: number | string) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3)) : v;

export interface ExplainDrawerProps {
  readonly client: TrainerClient;
  /** The IR of the trained model (the graph as it was trained). */
  readonly ir: ModelIR;
  /** The analyses the graph opens with (GraphDoc.analyses): the first pre-selects tool, node and params. */
  readonly planned?: GraphDoc['analyses'];
  readonly onClose: () => void;
}

export function ExplainDrawer({ client, ir, planned, onClose }: ExplainDrawerProps) {
  const store = useEditorStore();
  const [tools, setTools] = useState<readonly AnalysisToolInfo[]>([]);
  const [toolId, setToolId] = useState<string>(planned?.[0]?.tool ?? '');
  const [target, setTarget] = useState<string | null>(planned?.[0]?.node ?? null);
  const [cls, setCls] = useState<ClassChoice>('predicted');
  const [sample, setSample] = useState(0);
  const [count, setCount] = useState(8);
  const [reply, setReply] = useState<AnalysisReply | undefined>();
  /** The validation rows the shown reply covers. */
  const [rowsShown, setRowsShown] = useState<readonly [number, number]>([0, 0]);
  const [shown, setShown] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  /** The latest streamed image grid of the running request, and how many arrived. */
  const [frame, setFrame] = useState<{ view: ImagesView; n: number } | undefined>();
  const ids = { tool: useId(), cls: useId(), sample: useId(), count: useId() };

  useEffect(() => {
    let live = true;
    void client.analysisTools.then((t) => {
      if (!live) return;
      setTools(t);
      setToolId((cur) => (t.some((x) => x.id === cur) ? cur : (t[0]?.id ?? '')));
    });
    return () => {
      live = false;
    };
  }, [client]);

  const tool = tools.find((t) => t.id === toolId);
  const eligible = useMemo(() => (tool ? eligibleAnalysisNodes(ir, tool.target.ranks) : []), [ir, tool]);
  // A target the tool cannot take falls back to the last eligible node (the last conv map).
  useEffect(() => {
    if (tool && (target === null || !eligible.includes(target))) setTarget(eligible.at(-1) ?? null);
  }, [tool, eligible, target]);

  // The canvas shows the eligible nodes and the target while the drawer is open.
  useEffect(() => {
    store.setExplainView({ eligible: new Set(eligible), target });
  }, [store, eligible, target]);
  useEffect(() => () => store.setExplainView(null), [store]);

  // Clicking a glowing node on the canvas picks it.
  const picked = useEditor((s) =>
    s.selection.nodes.length === 1 ? irIdOf(s.path, s.selection.nodes[0]!) : undefined,
  );
  const lastPicked = useRef(picked);
  useEffect(() => {
    if (picked === lastPicked.current) return;
    lastPicked.current = picked;
    if (picked && eligible.includes(picked)) setTarget(picked);
  }, [picked, eligible]);

  const scores = scoresKey(ir);
  const classCount = ir.nodes.find((n) => n.id === scores)?.outputShape.at(-1);
  const plannedParams = planned?.find((a) => a.tool === toolId && a.node === target)?.params;

  const run = async () => {
    if (!tool || !target) return;
    setBusy(true);
    setError('');
    setFrame(undefined);
    try {
      const rows = Array.from({ length: count }, (_, i) => sample + i);
      const r = await client.analyse(
        {
          tool: tool.id,
          node: target,
          ...(plannedParams ? { params: plannedParams } : {}),
          samples: rows,
          classes: cls,
        },
        (v) => {
          if (v.kind === 'images') setFrame((f) => ({ view: v, n: (f?.n ?? 0) + 1 }));
        },
      );
      setReply(r);
      setRowsShown([rows[0]!, rows.at(-1)!]);
      setShown(0);
    } catch (e) {
      // A refused request leaves no stale maps that could pass for its answer.
      setReply(undefined);
      setError((e as Error)?.message ?? String(e));
    } finally {
      setBusy(false);
    }
  };

  const maps = reply?.views.find((v) => v.kind === 'heatmaps');
  const deletion = reply?.views.find((v) => v.kind === 'curve');
  // While a streaming tool runs, its latest frame; the reply's image views replace it.
  const streaming = busy && frame ? frame : undefined;
  const big = maps?.kind === 'heatmaps' ? maps.items[shown] : undefined;

  // Docked over the right column (Inspector, Train panel), never over the canvas, whose glowing
  // nodes stay clickable; outside the Train panel, which is its own containing block.
  return createPortal(
    <section className="explain-drawer" aria-label="Explain" data-testid="explain-drawer">
      <header className="explain-head">
        <strong>Explain</strong>
        <button
          type="button"
          className="link"
          aria-label="Close Explain"
          data-testid="explain-close"
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <div className="explain-row">
        <label htmlFor={ids.tool}>Tool</label>
        <select
          id={ids.tool}
          data-testid="explain-tool"
          value={toolId}
          onChange={(e) => {
            setToolId(e.currentTarget.value);
            setReply(undefined);
          }}
        >
          {tools.map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
      </div>
      {tool && <p className="muted explain-doc">{tool.doc}</p>}
      <fieldset className="explain-nodes">
        <legend>Target node ({tool?.target.doc ?? '…'}) — or click a glowing node on the canvas</legend>
        {eligible.length === 0 && tool && (
          <p className="muted">No node of this graph outputs what {tool.title} needs.</p>
        )}
        {eligible.map((id) => (
          <button
            key={id}
            type="button"
            data-testid={`explain-node-${id}`}
            aria-pressed={id === target}
            className={id === target ? 'explain-node chosen' : 'explain-node'}
            onClick={() => setTarget(id)}
          >
            {id}
          </button>
        ))}
      </fieldset>
      <div className="explain-row">
        <label htmlFor={ids.cls}>Class</label>
        <select
          id={ids.cls}
          data-testid="explain-class"
          value={String(cls)}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setCls(v === 'predicted' || v === 'true' ? v : Number(v));
          }}
        >
          <option value="predicted">predicted</option>
          <option value="true">true label</option>
          {typeof classCount === 'number' &&
            Array.from({ length: Math.min(classCount, 100) }, (_, k) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: class indices are the keys
              <option key={k} value={k}>
                class {k}
              </option>
            ))}
        </select>
        <label htmlFor={ids.sample}>Validation row</label>
        <input
          id={ids.sample}
          data-testid="explain-sample"
          type="number"
          min={0}
          step={1}
          value={sample}
          onChange={(e) => setSample(Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
        />
        <label htmlFor={ids.count}>Rows</label>
        <input
          id={ids.count}
          data-testid="explain-count"
          type="number"
          min={1}
          max={MAX_ROWS}
          step={1}
          value={count}
          onChange={(e) =>
            setCount(Math.min(MAX_ROWS, Math.max(1, Math.floor(Number(e.currentTarget.value) || 1))))
          }
        />
      </div>
      <div className="explain-row">
        <button
          type="button"
          data-testid="explain-run"
          disabled={busy || !tool || !target}
          onClick={() => void run()}
        >
          {busy ? 'Running…' : `Run ${tool?.title ?? ''}${target ? ` on ${target}` : ''}`}
        </button>
        {reply && (
          <span className="muted" data-testid="explain-status">
            {reply.tool} on {reply.node}: {reply.ms} ms in the Worker ({reply.backend})
          </span>
        )}
      </div>
      {error && (
        <p className="explain-error" role="alert" data-testid="explain-error">
          {error}
        </p>
      )}
      {maps?.kind === 'heatmaps' && big && (
        <div className="explain-maps">
          <figure>
            <HeatmapCanvas
              item={big}
              height={maps.height}
              width={maps.width}
              scale={SCALE}
              testId="explain-heatmap"
              label={`${reply?.tool} map of validation row ${big.sample} for class ${big.explained}`}
            />
            <figcaption>
              row {big.sample}: explains class {big.explained}, predicted {big.predicted}
              {big.box ? ' — green: the true box' : ''}
            </figcaption>
          </figure>
          <Later key={reply?.ms}>
            <div className="explain-thumbs">
              {maps.items.map((it, i) => (
                <button
                  key={it.sample}
                  type="button"
                  aria-pressed={i === shown}
                  aria-label={`Show row ${it.sample}`}
                  onClick={() => setShown(i)}
                >
                  <HeatmapCanvas
                    item={it}
                    height={maps.height}
                    width={maps.width}
                    scale={THUMB}
                    testId={`explain-thumb-${i}`}
                    label={`row ${it.sample}`}
                  />
                </button>
              ))}
            </div>
          </Later>
        </div>
      )}
      {reply?.views.map((v, i) =>
        v.kind === 'images' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: views are positional in one reply
          <ImageGrid key={`${reply.ms}-${i}`} view={v} />
        ) : null,
      )}
      {streaming && <ImagesGrid view={streaming.view} frame={streaming.n} />}
      {reply && (
        <table className="explain-figures" data-testid="explain-figures">
          <caption>
            Figures over rows {rowsShown[0]}–{rowsShown[1]}
          </caption>
          <tbody>
            {Object.entries(reply.figures).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{fmtFigure(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deletion?.kind === 'curve' && (
        <LineChart
          testId="explain-deletion"
          yLabel={deletion.title}
          width={300}
          height={120}
          series={[
            {
              name: reply?.tool === 'activationMax' ? 'mean a_u' : 'p(class)',
              color: '#c0392b',
              // Unreachable points (inductiveBias: ∞ bits below the error floor) are left out.
              points: deletion.x
                .map((x, i) => [x, deletion.y[i]!] as const)
                .filter(([, y]) => Number.isFinite(y)),
            },
          ]}
        />
      )}
    </section>,
    document.querySelector('.app-right') ?? document.body,
  );
}
