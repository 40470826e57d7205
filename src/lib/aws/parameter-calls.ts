import { MolectlError } from '../errors.js';
import type { AwsInvoker } from './aws-invoker.js';

/**
 * SSM Parameter Store: molectl keeps locks and run-scoped values under the environment's
 * parameterPrefix. SecureString values are secrets, however short: registered with the redactor
 * (registerSecret) before they are returned.
 */

export async function putParameter(
  aws: AwsInvoker,
  input: { name: string; value: string; secure: boolean; overwrite: boolean; description?: string },
): Promise<boolean> {
  if (input.secure) aws.redactor.registerSecret(input.value, 'parameter');
  const written = await aws.invoke<'ssm', boolean | 'exists'>(
    'ssm',
    'PutParameter',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.PutParameterCommand({
          Name: input.name,
          Value: input.value,
          Type: input.secure ? 'SecureString' : 'String',
          Overwrite: input.overwrite,
          ...(input.description !== undefined ? { Description: input.description } : {}),
        }),
        sendOptions,
      );
      // A conditional create makes version 1 (AWS refuses with ParameterAlreadyExists otherwise).
      // A later version means the store wrote over a value it was asked to keep (another run's
      // lock): what the condition was for cannot be trusted, so nothing goes on from here.
      if (!input.overwrite && answer.Version !== undefined && answer.Version > 1)
        throw new MolectlError(
          `the Parameter Store wrote over ${input.name} (now version ${answer.Version}) although molectl asked it not to (Overwrite=false): a value that was there, such as another run's lock, is lost`,
          {
            hint: 'this store does not honour conditional writes, so molectl cannot lock or claim through it; check who else is working on this environment (molectl runs list, the parameter history) before going on',
          },
        );
      return true;
    },
    // Without overwrite the put is a conditional create: "already exists" is an answer (a held lock).
    { target: `parameter ${input.name}`, expected: input.overwrite ? {} : { ParameterAlreadyExists: () => 'exists' } },
  );
  if (written !== 'exists') return written;
  // The SDK retries a request whose answer was lost; the retry then meets our own first write.
  // Values written conditionally are unique (run ids), so an equal value means it is ours.
  const current = await getParameter(aws, input.name, { decrypt: input.secure });
  return current !== null && current.value === input.value;
}

export async function getParameter(
  aws: AwsInvoker,
  name: string,
  options: { decrypt?: boolean } = {},
): Promise<{ value: string; version: number; lastModified: Date | null } | null> {
  return aws.invoke<'ssm', { value: string; version: number; lastModified: Date | null } | null>(
    'ssm',
    'GetParameter',
    async ({ client, sdk, sendOptions }) => {
      const answer = await client.send(
        new sdk.GetParameterCommand({ Name: name, WithDecryption: Boolean(options.decrypt) }),
        sendOptions,
      );
      const parameter = answer.Parameter;
      const value = parameter?.Value ?? '';
      // Registered before anything else can see it, whatever was asked: a store that answers a
      // SecureString's plaintext without decryption (as some emulators do) answers a secret all
      // the same, and a decrypted answer that does not say its type is treated as one.
      if (parameter?.Type === 'SecureString' || (options.decrypt && parameter?.Type === undefined))
        aws.redactor.registerSecret(value, 'parameter');
      return { value, version: parameter?.Version ?? 0, lastModified: parameter?.LastModifiedDate ?? null };
    },
    { target: `parameter ${name}`, expected: { ParameterNotFound: () => null } },
  );
}

export async function deleteParameter(aws: AwsInvoker, name: string): Promise<boolean> {
  return aws.invoke(
    'ssm',
    'DeleteParameter',
    async ({ client, sdk, sendOptions }) => {
      await client.send(new sdk.DeleteParameterCommand({ Name: name }), sendOptions);
      return true;
    },
    { target: `parameter ${name}`, expected: { ParameterNotFound: () => false } },
  );
}
