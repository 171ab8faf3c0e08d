// The formula language of expression activations: parse (tokenizer + Pratt parser → AST) and
// evaluate (over Ops or numbers). See parse.ts for the grammar.
export * from './evaluate.ts';
export * from './parse.ts';
