// The AWS client's ASN.1 code (asn1.js, safer-buffer) uses Node's `Buffer`, as a module and as a
// global. Browser apps give it the npm 'buffer' polyfill; esbuild injects this file where a bare
// `Buffer` is referenced.
export { Buffer } from 'buffer/';
