// Edges labelled with the tensor shape they carry (`B×28×28×1`), red when analysis blames them.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { useEditor } from '../app/editor-context.ts';
import { scopeAnalysisOf } from '../app/store.ts';
import { skipArcPath } from './edge-path.ts';
import { badEdges, type ShapeEdge as ShapeEdgeT, showShape } from './flow-model.ts';

function ShapeEdgeImpl(props: EdgeProps<ShapeEdgeT>) {
  const {
    id,
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    source,
    sourceHandleId,
    selected,
    markerEnd,
  } = props;
  // The shape on the wire is the source's output type (a stable object while it is unchanged).
  const type = useEditor((s) => {
    const n = scopeAnalysisOf(s).nodes.get(source);
    return n?.ok ? n.outputs[sourceHandleId ?? ''] : undefined;
  });
  const error = useEditor((s) => badEdges(scopeAnalysisOf(s)).has(id));
  const label = showShape(type) ?? '?';
  const [path, labelX, labelY] =
    skipArcPath(sourceX, sourceY, targetX, targetY) ??
    getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const cls = `shape-edge${error ? ' edge-error' : ''}${selected ? ' edge-selected' : ''}`;
  return (
    <>
      <BaseEdge id={id} path={path} className={cls} {...(markerEnd ? { markerEnd } : {})} />
      <EdgeLabelRenderer>
        <div
          className={`edge-label${error ? ' edge-label-error' : ''}${selected ? ' edge-label-selected' : ''}`}
          data-testid={`edge-label-${id}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
        >
          {label}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
