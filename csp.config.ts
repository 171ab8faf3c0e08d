// The app's Content-Security-Policy: no inline scripts, no eval (WebAssembly compilation only,
// for tfjs's wasm backend), nothing loaded from other origins. vite.config.ts sends it as a header
// from the dev server and `vite preview`, and writes it into the built index.html as a <meta> tag
// (so any static server of dist/ enforces it; the Worker gets it from the server's header).

/** Directives for the built app and `vite preview`. */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  // 'wasm-unsafe-eval' allows WebAssembly.compile/instantiate only, not eval or new Function.
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self'",
  // React and React Flow set styles through the CSSOM (element.style), which CSP does not govern;
  // no inline <style> or style="" markup is needed in the built app.
  'style-src': "'self'",
  'img-src': "'self' data: blob:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'self'",
};

/**
 * The dev server's variant: Vite injects the React Refresh preamble as an inline script and CSS as
 * <style> elements, so it marks them with a nonce (`html.cspNonce`) that the policy allows. The
 * nonce is fixed, which is acceptable for a local dev server only.
 */
export const DEV_NONCE = 'netwright-dev';

export function cspHeader(dev = false): string {
  const d = { ...CSP_DIRECTIVES };
  if (dev) {
    d['script-src'] = `${d['script-src']} 'nonce-${DEV_NONCE}'`;
    d['style-src'] = `${d['style-src']} 'nonce-${DEV_NONCE}'`;
    // The dev server's HMR websocket.
    d['connect-src'] = `${d['connect-src']} ws://127.0.0.1:* ws://localhost:*`;
  }
  return Object.entries(d)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}
