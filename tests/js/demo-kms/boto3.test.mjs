// A real AWS SDK against the demo key service: boto3 (botocore's KMS model, SigV4-signed
// requests, its JSON 1.1 parser and error handling) talks to handleKmsFetch over HTTP, exactly as
// it talks to KMS. Needs .venv/bin/python with boto3 (scripts/setup.sh python); fails with that hint without.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { DemoKeyService } from '../../../pkg-templates/demo-kms/index.js';

import { serveOverHttp } from './helpers.mjs';

const PYTHON = process.env.ENVSEAL_PYTHON ?? fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
const run = promisify(execFile);
const haveBoto3 = existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import boto3']).then(() => true, () => false));

const SCRIPT = String.raw`
import json, sys
import boto3
from botocore.exceptions import ClientError

kms = boto3.client('kms', endpoint_url=sys.argv[1], region_name='us-east-1',
                   aws_access_key_id='AKIDBOTO3', aws_secret_access_key='not-checked')

def error_code(call, **kwargs):
    try:
        call(**kwargs)
        return 'no error'
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]

out = {}
key = kms.create_key(Description='boto3', Tags=[{'TagKey': 'sdk', 'TagValue': 'boto3'}])['KeyMetadata']
out['creation_date_type'] = type(key['CreationDate']).__name__
out['key_state'] = key['KeyState']
kms.create_alias(AliasName='alias/boto3', TargetKeyId=key['KeyId'])
out['describe_by_alias'] = kms.describe_key(KeyId='alias/boto3')['KeyMetadata']['Arn'] == key['Arn']

gdk = kms.generate_data_key(KeyId='alias/boto3', KeySpec='AES_256', EncryptionContext={'app': 'boto3'})
out['data_key_length'] = len(gdk['Plaintext'])
dec = kms.decrypt(CiphertextBlob=gdk['CiphertextBlob'], EncryptionContext={'app': 'boto3'})
out['data_key_round_trip'] = dec['Plaintext'] == gdk['Plaintext'] and dec['KeyId'] == key['Arn']
enc = kms.encrypt(KeyId=key['Arn'], Plaintext=b'hello from boto3')
kms.rotate_key_on_demand(KeyId=key['KeyId'])
re = kms.re_encrypt(CiphertextBlob=enc['CiphertextBlob'], DestinationKeyId=key['KeyId'])
out['reencrypted'] = kms.decrypt(CiphertextBlob=re['CiphertextBlob'])['Plaintext'].decode()
out['rotations'] = [r['RotationType'] for r in kms.list_key_rotations(KeyId=key['KeyId'])['Rotations']]
kms.enable_key_rotation(KeyId=key['KeyId'], RotationPeriodInDays=180)
status = kms.get_key_rotation_status(KeyId=key['KeyId'])
out['rotation'] = [status['KeyRotationEnabled'], status['RotationPeriodInDays'], type(status['NextRotationDate']).__name__]

for _ in range(4):
    kms.create_key()
pages = list(kms.get_paginator('list_keys').paginate(PaginationConfig={'PageSize': 2}))
out['list_keys'] = [len(pages), sum(len(p['Keys']) for p in pages)]
out['aliases'] = [a['AliasName'] for a in kms.list_aliases(KeyId=key['KeyId'])['Aliases']]

out['errors'] = {
    'wrong_context': error_code(kms.decrypt, CiphertextBlob=gdk['CiphertextBlob'], EncryptionContext={'app': 'other'}),
    'unknown_alias': error_code(kms.describe_key, KeyId='alias/none'),
    'short_window': error_code(kms.schedule_key_deletion, KeyId=key['KeyId'], PendingWindowInDays=3),
    'both_specs': error_code(kms.generate_data_key, KeyId=key['KeyId'], KeySpec='AES_256', NumberOfBytes=32),
    'alias_exists': error_code(kms.create_alias, AliasName='alias/boto3', TargetKeyId=key['KeyId']),
}
kms.disable_key(KeyId=key['KeyId'])
out['errors']['disabled'] = error_code(kms.encrypt, KeyId=key['KeyId'], Plaintext=b'x')
deletion = kms.schedule_key_deletion(KeyId=key['KeyId'], PendingWindowInDays=7)
out['deletion'] = [type(deletion['DeletionDate']).__name__, deletion['KeyState'], deletion['PendingWindowInDays']]
out['errors']['pending'] = error_code(kms.decrypt, CiphertextBlob=enc['CiphertextBlob'])
out['cancelled'] = kms.cancel_key_deletion(KeyId=key['KeyId'])['KeyId'] == key['Arn']
print(json.dumps(out))
`;

test('boto3 uses the demo key service as it uses KMS', { timeout: 120_000 }, async () => {
  assert.ok(haveBoto3, `no boto3 at ${PYTHON}: run scripts/setup.sh python`);
  const service = new DemoKeyService();
  const server = await serveOverHttp(service);
  after(server.close);
  const { stdout } = await run(PYTHON, ['-c', SCRIPT, server.endpoint], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
  assert.deepEqual(JSON.parse(stdout), {
    creation_date_type: 'datetime',
    key_state: 'Enabled',
    describe_by_alias: true,
    data_key_length: 32,
    data_key_round_trip: true,
    reencrypted: 'hello from boto3',
    rotations: ['ON_DEMAND'],
    rotation: [true, 180, 'datetime'],
    list_keys: [3, 5],
    aliases: ['alias/boto3'],
    errors: {
      wrong_context: ['InvalidCiphertextException', 400],
      unknown_alias: ['NotFoundException', 400],
      short_window: ['ValidationException', 400],
      both_specs: ['ValidationException', 400],
      alias_exists: ['AlreadyExistsException', 400],
      disabled: ['DisabledException', 400],
      pending: ['KMSInvalidStateException', 400],
    },
    deletion: ['datetime', 'PendingDeletion', 7],
    cancelled: true,
  });
  const log = await service.auditLog();
  assert.ok(log.length > 20);
  assert.ok(log.every((e) => e.claimedAccessKeyId === 'AKIDBOTO3'), 'the SigV4 access key id is in every entry');
  assert.match(log[0].claimedUserAgent, /Boto3|botocore/);
});
