// The same KMS JSON requests, sent to the demo key service (through handleKmsFetch) and to moto's
// KMS (moto_server, over HTTP), give the same HTTP status, the same error __type and the same
// response shape: every field moto fills is there with the same JSON type, and every field moto
// lacks is one real KMS returns (listed below).
//
// Needs moto_server: $MOTO_SERVER, or .venv/bin/moto_server (`.venv/bin/pip install 'moto[server]'`);
// `scripts/setup.sh python` installs it; the test fails, with that hint, when it is missing. The server is started on a free port and stopped afterwards.
//
// Where moto is known to differ from KMS, the demo follows KMS and the request is not compared:
// moto lets disabled and pending-deletion keys encrypt, decrypt and rotate; accepts any
// RotationPeriodInDays and PendingWindowInDays; reserves only four alias/aws/ names; answers
// AccessDeniedException where KMS says IncorrectKeyException or InvalidCiphertextException (a blob
// it cannot parse); lets CancelKeyDeletion run on a key that is not pending deletion; and fails
// with HTTP 500 on a missing KeyId. docs/demo-kms.md lists these too.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DemoKeyService, handleKmsFetch } from '../../../pkg-templates/demo-kms/index.js';

const MOTO_SERVER = process.env.MOTO_SERVER ?? fileURLToPath(new URL('../../../.venv/bin/moto_server', import.meta.url));
const HAVE_MOTO = existsSync(MOTO_SERVER);
const ACCOUNT = '123456789012'; // moto's default account: ARNs and messages line up

/** Fields real KMS returns that moto does not, per operation (dotted paths; [] = array element). */
const KMS_FIELDS_MOTO_LACKS = {
  CreateKey: ['KeyMetadata.CurrentKeyMaterialId', 'KeyMetadata.KeyUsage', 'KeyMetadata.MultiRegion'],
  DescribeKey: ['KeyMetadata.CurrentKeyMaterialId', 'KeyMetadata.KeyUsage', 'KeyMetadata.MultiRegion'],
  ListAliases: ['Aliases[].CreationDate', 'Aliases[].LastUpdatedDate'],
  Encrypt: ['EncryptionAlgorithm'],
  Decrypt: ['EncryptionAlgorithm', 'KeyMaterialId'],
  ReEncrypt: ['SourceEncryptionAlgorithm', 'DestinationEncryptionAlgorithm', 'SourceKeyMaterialId', 'DestinationKeyMaterialId'],
  GenerateDataKey: ['KeyMaterialId'],
  GenerateDataKeyWithoutPlaintext: ['KeyMaterialId'],
  GetKeyRotationStatus: ['KeyId', 'RotationPeriodInDays', 'NextRotationDate'],
  ListKeyRotations: ['Rotations[].KeyMaterialId', 'Rotations[].KeyMaterialState'],
  ScheduleKeyDeletion: ['KeyState', 'PendingWindowInDays'],
};

/**
 * The requests, in order, each a function of what earlier answers told this backend (`c`).
 * `then` records ids from an answer; `message: true` also compares the error message.
 */
const STEPS = [
  { op: 'CreateKey', input: () => ({ Description: 'compared', Tags: [{ TagKey: 'team', TagValue: 'web' }] }), then: (o, c) => Object.assign(c, { key: o.KeyMetadata.KeyId, arn: o.KeyMetadata.Arn }) },
  { op: 'CreateKey', input: () => ({}), then: (o, c) => (c.key2 = o.KeyMetadata.KeyId) },
  { op: 'DescribeKey', input: (c) => ({ KeyId: c.key }) },
  { op: 'DescribeKey', input: (c) => ({ KeyId: c.arn }) },
  { op: 'DescribeKey', input: () => ({ KeyId: '00000000-0000-4000-8000-000000000000' }), message: true },
  { op: 'DescribeKey', input: () => ({ KeyId: 'nonsense' }), message: true },
  { op: 'ListKeys', input: () => ({}) },
  { op: 'ListResourceTags', input: (c) => ({ KeyId: c.key }) },
  { op: 'CreateAlias', input: (c) => ({ AliasName: 'alias/compared', TargetKeyId: c.key }) },
  { op: 'CreateAlias', input: (c) => ({ AliasName: 'alias/compared', TargetKeyId: c.key }), message: true },
  { op: 'CreateAlias', input: (c) => ({ AliasName: 'no-prefix', TargetKeyId: c.key }) },
  { op: 'CreateAlias', input: (c) => ({ AliasName: 'alias/aws/ebs', TargetKeyId: c.key }) },
  { op: 'CreateAlias', input: () => ({ AliasName: 'alias/other', TargetKeyId: 'alias/compared' }), message: true },
  { op: 'CreateAlias', input: (c) => ({ AliasName: 'alias/bad name', TargetKeyId: c.key }), message: true },
  { op: 'CreateAlias', input: () => ({ AliasName: 'alias/orphan', TargetKeyId: '00000000-0000-4000-8000-000000000000' }) },
  { op: 'DescribeKey', input: () => ({ KeyId: 'alias/compared' }) },
  { op: 'UpdateAlias', input: (c) => ({ AliasName: 'alias/compared', TargetKeyId: c.key2 }) },
  { op: 'UpdateAlias', input: (c) => ({ AliasName: 'alias/none', TargetKeyId: c.key2 }), message: true },
  { op: 'ListAliases', input: (c) => ({ KeyId: c.key2 }) },
  { op: 'DescribeKey', input: () => ({ KeyId: 'alias/none' }), message: true },
  { op: 'Encrypt', input: (c) => ({ KeyId: c.key, Plaintext: 'AQIDBA==', EncryptionContext: { purpose: 'compare' } }), then: (o, c) => (c.blob = o.CiphertextBlob) },
  { op: 'Encrypt', input: () => ({ KeyId: 'alias/compared', Plaintext: 'AQIDBA==' }) },
  { op: 'Encrypt', input: (c) => ({ KeyId: c.key, Plaintext: Buffer.alloc(4097).toString('base64') }), message: true },
  { op: 'Encrypt', input: (c) => ({ KeyId: c.key, Plaintext: '' }), message: true },
  { op: 'Encrypt', input: () => ({ KeyId: 'alias/none', Plaintext: 'AQID' }), message: true },
  { op: 'Decrypt', input: (c) => ({ CiphertextBlob: c.blob, EncryptionContext: { purpose: 'compare' } }) },
  { op: 'Decrypt', input: (c) => ({ CiphertextBlob: c.blob, EncryptionContext: { purpose: 'other' } }) },
  { op: 'Decrypt', input: (c) => ({ CiphertextBlob: c.blob }) },
  { op: 'ReEncrypt', input: (c) => ({ CiphertextBlob: c.blob, SourceEncryptionContext: { purpose: 'compare' }, DestinationKeyId: c.key2 }) },
  { op: 'ReEncrypt', input: (c) => ({ CiphertextBlob: c.blob, SourceEncryptionContext: { purpose: 'compare' }, DestinationKeyId: 'alias/none' }) },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key, KeySpec: 'AES_256', EncryptionContext: { purpose: 'compare' } }) },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key, NumberOfBytes: 64 }) },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key, NumberOfBytes: 2000 }), message: true },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key, KeySpec: 'AES_512' }), message: true },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key }), message: true },
  { op: 'GenerateDataKey', input: (c) => ({ KeyId: c.key, KeySpec: 'AES_128', NumberOfBytes: 16 }), message: true },
  { op: 'GenerateDataKey', input: () => ({ KeyId: 'alias/none', KeySpec: 'AES_256' }), message: true },
  { op: 'GenerateDataKeyWithoutPlaintext', input: (c) => ({ KeyId: c.key, KeySpec: 'AES_128' }) },
  { op: 'GetKeyRotationStatus', input: (c) => ({ KeyId: c.key }) },
  { op: 'EnableKeyRotation', input: (c) => ({ KeyId: c.key }) },
  { op: 'GetKeyRotationStatus', input: (c) => ({ KeyId: c.key }) },
  { op: 'DisableKeyRotation', input: (c) => ({ KeyId: c.key }) },
  { op: 'RotateKeyOnDemand', input: (c) => ({ KeyId: c.key }) },
  { op: 'ListKeyRotations', input: (c) => ({ KeyId: c.key }) },
  { op: 'Decrypt', input: (c) => ({ CiphertextBlob: c.blob, EncryptionContext: { purpose: 'compare' } }) },
  { op: 'DisableKey', input: (c) => ({ KeyId: c.key }) },
  { op: 'DescribeKey', input: (c) => ({ KeyId: c.key }) },
  { op: 'EnableKey', input: (c) => ({ KeyId: c.key }) },
  { op: 'ScheduleKeyDeletion', input: (c) => ({ KeyId: c.key2, PendingWindowInDays: 7 }) },
  { op: 'DescribeKey', input: (c) => ({ KeyId: c.key2 }) },
  { op: 'CancelKeyDeletion', input: (c) => ({ KeyId: c.key2 }) },
  { op: 'DescribeKey', input: (c) => ({ KeyId: c.key2 }) },
  { op: 'EnableKey', input: () => ({ KeyId: '00000000-0000-4000-8000-000000000000' }), message: true },
  { op: 'DeleteAlias', input: () => ({ AliasName: 'alias/compared' }) },
  { op: 'DeleteAlias', input: () => ({ AliasName: 'alias/compared' }), message: true },
];

/** A JSON value's shape: null, [] and {} count as absent (moto writes `"NextMarker": null`). */
function shape(value) {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : [shape(value[0])];
  if (typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const s = shape(v);
      if (s !== undefined) out[k] = s;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return typeof value;
}

/** Compares two shapes; returns the differences as readable strings. */
function shapeDifferences(moto, demo, allowedExtra, path = '') {
  const diffs = [];
  if (moto === undefined && demo === undefined) return diffs;
  if (Array.isArray(moto) || Array.isArray(demo)) {
    if (!Array.isArray(moto) || !Array.isArray(demo)) return [`${path}: moto ${JSON.stringify(moto)}, demo ${JSON.stringify(demo)}`];
    return shapeDifferences(moto[0], demo[0], allowedExtra, `${path}[]`);
  }
  if (typeof moto === 'object' || typeof demo === 'object') {
    if (typeof moto !== 'object' || typeof demo !== 'object') return [`${path}: moto ${JSON.stringify(moto)}, demo ${JSON.stringify(demo)}`];
    for (const key of new Set([...Object.keys(moto), ...Object.keys(demo)])) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in demo)) diffs.push(`${at}: moto has it, the demo does not`);
      else if (!(key in moto)) {
        if (!allowedExtra.includes(at)) diffs.push(`${at}: the demo has it, moto does not (and it is not a listed KMS field)`);
      } else diffs.push(...shapeDifferences(moto[key], demo[key], allowedExtra, at));
    }
    return diffs;
  }
  return moto === demo ? diffs : [`${path}: moto ${moto}, demo ${demo}`];
}

let moto;
let motoEndpoint;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  if (!HAVE_MOTO) return;
  const port = await freePort();
  motoEndpoint = `http://127.0.0.1:${port}/`;
  moto = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  moto.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(motoEndpoint);
      break;
    } catch {
      if (Date.now() > deadline || moto.exitCode !== null) throw new Error(`moto_server did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
});

after(() => {
  if (moto && moto.exitCode === null) moto.kill('SIGTERM');
});

const headers = (op) => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `TrentService.${op}`,
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20300101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-target, Signature=00',
});

async function answer(responsePromise) {
  const response = await responsePromise;
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

test('the demo key service answers like moto: status, error __type and response shape', { timeout: 120_000 }, async () => {
  assert.ok(HAVE_MOTO, `no moto_server at ${MOTO_SERVER}: run scripts/setup.sh python`);
  const demo = new DemoKeyService({ accountId: ACCOUNT, region: 'us-east-1' });
  const fromMoto = {};
  const fromDemo = {};
  const problems = [];
  for (const [i, step] of STEPS.entries()) {
    const label = `#${i} ${step.op} ${JSON.stringify(step.input(fromDemo)).slice(0, 90)}`;
    const m = await answer(fetch(motoEndpoint, { method: 'POST', headers: headers(step.op), body: JSON.stringify(step.input(fromMoto)) }));
    const d = await answer(handleKmsFetch(demo, new Request('http://localhost/demo-kms/', { method: 'POST', headers: headers(step.op), body: JSON.stringify(step.input(fromDemo)) })));
    if (m.status !== d.status) {
      problems.push(`${label}: status moto ${m.status} ${JSON.stringify(m.body)}, demo ${d.status} ${JSON.stringify(d.body)}`);
      continue;
    }
    if (m.status !== 200) {
      if (m.body.__type !== d.body.__type) problems.push(`${label}: __type moto ${m.body.__type}, demo ${d.body.__type}`);
      if (step.message && m.body.message !== d.body.message) problems.push(`${label}: message moto "${m.body.message}", demo "${d.body.message}"`);
      continue;
    }
    for (const diff of shapeDifferences(shape(m.body), shape(d.body), KMS_FIELDS_MOTO_LACKS[step.op] ?? [])) problems.push(`${label}: ${diff}`);
    step.then?.(m.body, fromMoto);
    step.then?.(d.body, fromDemo);
  }
  assert.deepEqual(problems, []);
});
