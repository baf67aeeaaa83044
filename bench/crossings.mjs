// How often one KMS-wrapped encrypt and decrypt cross the WebAssembly boundary, and how many
// JSON (de)serializations the client does for them. The package's WebAssembly exports are
// counted as they are called (glue helpers, `__*`, left out); JSON.parse/stringify calls are
// counted in this process; the key service (envseal's demo KMS) runs in a child process, so its
// own JSON is not counted. Requests go over fetch, SigV4-signed, to 127.0.0.1.
//
//   node bench/crossings.mjs [package directory]    (default: the envseal package bench/ installs)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = process.argv[2] ? pathToFileURL(`${resolve(process.argv[2])}/`) : new URL('./', import.meta.resolve('envseal'));

// The key service, in a child process.
const server = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `
    import { createServer } from 'node:http';
    const { DemoKeyService, handleKmsFetch } = await import(${JSON.stringify(new URL('demo-kms/index.js', pkg).href)});
    const service = new DemoKeyService({ region: 'us-east-1' });
    const { KeyMetadata } = await service.request('CreateKey', {});
    const http = createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const request = new Request('http://127.0.0.1' + req.url, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      const response = await handleKmsFetch(service, request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    http.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: http.address().port, arn: KeyMetadata.Arn })));
    `,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const [line] = await once(server.stdout, 'data');
const { port, arn } = JSON.parse(String(line));

// Count export calls: wrap the instance the glue gets from WebAssembly.instantiate.
let crossings = 0;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const result = await instantiate(...args);
  if (result instanceof WebAssembly.Instance) return result; // another module (fetch's HTTP parser)
  const { instance, module } = result;
  const exports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    exports[name] =
      typeof value === 'function' && !name.startsWith('__')
        ? (...a) => {
            crossings += 1;
            return value(...a);
          }
        : value;
  }
  return { instance: { exports }, module };
};
let json = 0;
for (const name of ['parse', 'stringify']) {
  const original = JSON[name];
  JSON[name] = (...a) => {
    json += 1;
    return original(...a);
  };
}

const envseal = await import(new URL('index.js', pkg).href);
await envseal.init(await (await import('node:fs/promises')).readFile(new URL('wasm/envseal_bg.wasm', pkg)));
const keyring = new envseal.KmsKeyring({
  keyId: arn,
  endpoint: `http://127.0.0.1:${port}/`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const plaintext = new Uint8Array(1024).fill(7);
await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).text(); // fetch's own first-use setup, not counted

async function measure(name, op) {
  [crossings, json] = [0, 0];
  const result = await op();
  console.log(`${name.padEnd(8)} ${String(crossings).padStart(3)} boundary crossings, ${String(json).padStart(2)} JSON parse/stringify`);
  return result;
}
const { ciphertext } = await measure('encrypt', () => envseal.encrypt(keyring, plaintext));
const { plaintext: back } = await measure('decrypt', () => envseal.decrypt(keyring, ciphertext));
// Again, with the same keyring (what the package learns about a keyring once is not repeated).
await measure('encrypt', () => envseal.encrypt(keyring, plaintext));
await measure('decrypt', () => envseal.decrypt(keyring, ciphertext));
if (back.length !== plaintext.length || back.some((b, i) => b !== plaintext[i])) throw new Error('round trip failed');
server.kill();
