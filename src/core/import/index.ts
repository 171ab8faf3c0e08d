// Bringing models made elsewhere into Netwright (pure: no tfjs, no DOM, no Node built-ins).
export { importKerasJson, type KerasImport, UNKNOWN_DIM } from './keras.ts';
export { type LayoutEdge, type LayoutOptions, layeredLayout, type Positions } from './layout.ts';
