// The package's TypeScript declarations: `tsc --strict` over types/usage.ts (every export used as
// an application would) and types/misuse.ts (mistakes that must not type-check), and the values
// each declaration file declares, read by the TypeScript compiler, against the module's runtime
// exports.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

import ts from 'typescript';

const here = fileURLToPath(new URL('.', import.meta.url));
const tsc = fileURLToPath(new URL('./node_modules/typescript/bin/tsc', import.meta.url));

// types/ checks 'envseal' and 'envseal/demo-kms' without Node's types (a browser application's
// setup); types/node checks 'envseal/node' with them.
for (const project of ['types', 'types/node']) {
  test(`tsc --strict -p ${project}: every export type-checks in use, and misuse does not`, async () => {
    const run = await promisify(execFile)(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: here }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (e) => ({ code: e.code, stdout: e.stdout }),
    );
    assert.equal(run.stdout, '', run.stdout);
    assert.equal(run.code, 0);
  });
}

/** The names of the values (functions, classes, constants) `specifier`'s declarations export. */
function declaredValues(specifier) {
  const file = fileURLToPath(import.meta.resolve(specifier)).replace(/\.js$/, '.d.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, file);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  return checker
    .getExportsOfModule(moduleSymbol)
    .filter((symbol) => symbol.flags & ts.SymbolFlags.Value)
    .map((symbol) => symbol.name)
    .sort();
}

for (const specifier of ['envseal', 'envseal/demo-kms', 'envseal/node']) {
  test(`${specifier}: the declared values are exactly the runtime exports`, async () => {
    const runtime = Object.keys(await import(specifier)).sort();
    assert.ok(runtime.length >= 4, runtime.join(', '));
    assert.deepEqual(declaredValues(specifier), runtime);
  });
}
