import { defineCommand } from '../lib/cli/command-definition.js';
import { argument } from '../lib/cli/flag-declaration.js';
import { textFlag } from '../lib/cli/flags.js';
import { confirmChange, showBeforeConfirming } from '../lib/prompt/confirm-change.js';
import { ExitCode, MolectlError } from '../lib/errors.js';
import { describeEnvironment, formatEnvironment } from '../lib/config/run-environment.js';
import { describeSecret as showSecret } from '../lib/output/fingerprint.js';
import { findManagedSecret } from '../lib/secrets/managed-secret.js';
import { putSecret } from '../lib/secrets/put-secret.js';
import { AWSPENDING } from '../lib/aws/secret-stages.js';
import { normalizeValue, readValueInput } from '../lib/secrets/read-value-input.js';
import { checkLocksFree, runMutation } from '../lib/runs/run-lifecycle.js';
import { LOCKS } from '../lib/runs/lock-names.js';

export const secretsPutCommand = defineCommand({
  confirmation: () => ({ kind: 'environment' }),
  writesState: () => 'run-ledger',
  description:
    "Store a value as the secret's current version (creating the secret if needed), read it back and compare fingerprints. " +
    'The value comes only from a file or stdin, never from a flag. One trailing newline is dropped (and said so); inner newlines are kept. ' +
    'Consumers are not changed: use `secrets rotate` for that.',
  args: [argument('name', 'secret name from `molectl secrets list`')],
  flags: {
    valueFile: textFlag('--value-file <path|->', 'file holding the value, or - to read stdin', { required: true }),
  },
  examples: [
    ['molectl secrets put cp-shared-secret --value-file ./shared-secret.txt', 'store the value in the file'],
    ['pass show molecule/cp | molectl --env staging secrets put cp-admin-api-token --value-file -', 'from stdin'],
    [
      'molectl --env production --yes secrets put cp-shared-secret --value-file v.txt',
      'replace the current value without a prompt',
    ],
  ],

  async run(ctx, { args, options }) {
    const secret = findManagedSecret(ctx, args[0]!);
    const { valueFile } = options;
    // The value is registered with the redactor before any await that could print.
    const input = normalizeValue(await readValueInput(valueFile, ctx.stdin), valueFile === '-' ? 'stdin' : valueFile);
    ctx.redactor.register(input.value, 'secret');
    if (input.strippedNewline)
      ctx.out.info(
        `note: dropped one trailing newline from ${input.source}; the stored value is ${showSecret(input.value)}`,
      );

    const environment = await describeEnvironment(ctx.config, ctx.aws);
    showBeforeConfirming(ctx, { kind: 'environment' }, formatEnvironment(environment, ctx.out.style));
    const description = await ctx.aws.describeSecret(secret.secretId);
    if (description?.versions.some((v) => v.stages.includes(AWSPENDING))) {
      throw new MolectlError(
        `secret ${secret.secretId} has an AWSPENDING version: a rotation is in progress; nothing was changed`,
        {
          code: ExitCode.failed,
          hint: `finish or abort it first: molectl secrets rotate ${secret.name} --resume (or --abort-pending)`,
        },
      );
    }
    if (description)
      showBeforeConfirming(
        ctx,
        { kind: 'environment' },
        `${secret.secretId} exists: the new value becomes AWSCURRENT; consumers (${secret.consumers.map((c) => c.ref).join(', ') || 'none'}) keep what they hold`,
      );
    // The same lock as a rotation of this secret: a put beside a rotation would race AWSPENDING.
    const locks = { locks: [LOCKS.secret(secret.name)], fleet: true, breakLock: false };
    await checkLocksFree(ctx, locks);
    await confirmChange(
      ctx,
      { kind: 'environment' },
      description ? `replace the current value of ${secret.name}` : `create ${secret.secretId}`,
    );

    const { ledger, result } = await runMutation(
      ctx,
      {
        ledger: {
          create: {
            command: 'secrets put',
            environment,
            inputs: {
              name: secret.name,
              secretId: secret.secretId,
              source: valueFile === '-' ? 'stdin' : 'file',
              fingerprint: showSecret(input.value),
            },
            targets: [secret.name],
          },
        },
        ...locks,
        resumeHint: () =>
          `check the stored version with \`molectl secrets status ${secret.name}\`, then put again if needed (the run id keeps a retry from making a second version)`,
      },
      async (run) => ({
        ledger: run.ledger,
        result: await putSecret(ctx, secret, input.value, description !== null, run.ledger),
      }),
    );
    await ctx.out.result({ run: ledger.id, ...result }, (r, style) =>
      r.matches && r.current
        ? `${style.ok('✔')} ${r.name}: ${r.created ? 'created' : 'stored'} version ${r.versionId} (${r.readBack}), read back and matched`
        : `${style.fail('✖')} ${r.name}: version ${r.versionId} ${r.matches ? 'is not AWSCURRENT' : `read back ${r.readBack}, but sent ${r.sent}`}`,
    );
    return result.matches && result.current ? ExitCode.ok : ExitCode.failed;
  },
});
