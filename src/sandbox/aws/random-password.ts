import { randomInt } from 'node:crypto';
import { AwsApiError } from './aws-api-error.js';

/**
 * GetRandomPassword. Uses the OS CSPRNG, not the seeded stream: a generated password is secret
 * material even in the sandbox, and nothing about a rehearsal depends on its exact value.
 */

export interface RandomPasswordOptions {
  passwordLength?: number;
  excludeCharacters?: string;
  excludeNumbers?: boolean;
  excludePunctuation?: boolean;
  excludeUppercase?: boolean;
  excludeLowercase?: boolean;
  includeSpace?: boolean;
  requireEachIncludedType?: boolean;
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export function generateRandomPassword(options: RandomPasswordOptions = {}): string {
  const length = options.passwordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new AwsApiError('InvalidParameterException', 'PasswordLength must be between 1 and 4096.');
  }
  const excluded = new Set(options.excludeCharacters ?? '');
  const keep = (chars: string): string => [...chars].filter((c) => !excluded.has(c)).join('');
  const classes = [
    options.excludeLowercase ? '' : keep('abcdefghijklmnopqrstuvwxyz'),
    options.excludeUppercase ? '' : keep('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    options.excludeNumbers ? '' : keep('0123456789'),
    options.excludePunctuation ? '' : keep(PUNCTUATION),
    options.includeSpace ? keep(' ') : '',
  ].filter((c) => c.length > 0);
  const all = classes.join('');
  if (all.length === 0) {
    throw new AwsApiError(
      'InvalidParameterException',
      'The password cannot be generated because all character types are excluded.',
    );
  }
  const requireEach = options.requireEachIncludedType !== false;
  if (requireEach && classes.length > length) {
    throw new AwsApiError(
      'InvalidParameterException',
      'PasswordLength is too short to include each included character type.',
    );
  }
  const chars: string[] = [];
  if (requireEach) for (const cls of classes) chars.push(pick(cls));
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

function pick(chars: string): string {
  return chars[randomInt(chars.length)] as string;
}
