// TypeScript export: IR → a standalone tfjs module (see generate.ts). Pure: no tfjs here.
export { CodegenError, type GenerateOptions, generateTypeScript } from './generate.ts';
