// Edges labelled with the tensor shape they carry (`B×28×28×1`), red when analysis blames them.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import type { ShapeEdge as ShapeEdgeT } from './flow-model.ts';

function ShapeEdgeImpl(props: EdgeProps<ShapeEdgeT>) {
  const {
    id,
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    data,
    selected,
    markerEnd,
  } = props;
  const [path, labelX, labelY] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
  });
  const cls = `shape-edge${data?.error ? ' edge-error' : ''}${selected ? ' edge-selected' : ''}`;
  return (
    <>
      <BaseEdge id={id} path={path} className={cls} {...(markerEnd ? { markerEnd } : {})} />
      <EdgeLabelRenderer>
        <div
          className={`edge-label${data?.error ? ' edge-label-error' : ''}${selected ? ' edge-label-selected' : ''}`}
          data-testid={`edge-label-${id}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
        >
          {data?.label ?? '?'}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
