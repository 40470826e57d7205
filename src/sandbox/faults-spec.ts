import { WIRE_MODES, WIRE_SERVICES, type WireMode } from './wire-faults.js';
import { UsageError } from '../lib/errors.js';
import { applyPostureFault, POSTURE_FAULT_FORMS } from './posture-faults.js';
import {
  defaultFaults,
  EC2_OMITTABLE_FIELDS,
  SSM_OMITTABLE_FIELDS,
  type Ec2OmittableField,
  type FaultConfig,
  type SsmOmittableField,
} from './state.js';

/**
 * The `--faults` mini-language: comma-separated `key=value` items, lists joined with `|`.
 * Parsing is total or throws a UsageError naming the bad item, so a typo in a rehearsal never
 * silently runs without the fault the operator meant to inject.
 */

/** Steps of the simulated cascade delete, in order (DELETE /cp/admin/tenants/:slug). */
export const CASCADE_STEPS = [
  'terminate-workspaces',
  'terminate-tenant',
  'delete-secret',
  'delete-tunnel',
  'delete-dns',
  'delete-rows',
] as const;

export type CascadeStep = (typeof CASCADE_STEPS)[number];

export const FAULT_SPEC_FORMS = [
  'throttle=<0..1>',
  'throttle-as=<ErrorCode|none>:<http status>',
  'console-as=plain',
  'console-timestamp=omitted',
  'latest-refused-as=<ErrorCode>',
  'console-window=<bytes>',
  'aws-creds=expired',
  'pages=sparse|endless',
  'stage-moves=ignored',
  'ssm-get-lag=<n>',
  'ssm-output-cut=<head chars>:<tail chars>',
  'pending-stages=ignored',
  'write-version-id=omitted|empty',
  'ec2-filters=ignored',
  `ec2-omit=<${EC2_OMITTABLE_FIELDS.join('|')}>[|...]`,
  `ssm-omit=<${SSM_OMITTABLE_FIELDS.join('|')}>[|...]`,
  'latency=<n>ms|<n>s',
  'cp5xx=<0..1>',
  'reset=<0..1>',
  'offline=<slug|instance-id>[|...]',
  'docker-fail=<slug|instance-id>[|...]',
  'docker-down=<slug|instance-id>[|...]',
  'old-bash=<slug|instance-id>[|...]',
  'console-shapes=<slug|instance-id>[|...]',
  'logs-key=<slug|instance-id>[|...]',
  'logs-base64=<slug|instance-id>[|...]',
  'docker-logs-broken=<slug|instance-id>[|...]',
  'ssm-timeout=<slug|instance-id>[|...]',
  'restart-always=<slug|instance-id>[|...]',
  'env-multiline=<slug|instance-id>[|...]',
  'env-duplicate-secret=<slug|instance-id>[|...]',
  'container-config=<slug|instance-id>[|...]',
  'container-device=<slug|instance-id>[|...]',
  'container-hardened=<slug|instance-id>[|...]',
  'compose-mounts=<slug|instance-id>[|...]',
  'container-pid-host=<slug|instance-id>[|...]',
  'healthcheck-exec=<slug|instance-id>[|...]',
  'same-name-image=<slug|instance-id>[|...]',
  'slow=<slug|instance-id>:<duration>[|...]',
  'host-work=<duration>',
  'api-rate=<AwsAction>:<n>/s[:<burst>][|...] or api-rate=off',
  'provision-fail=<slug>[|...]',
  `cascade-fail=<slug>:<step>[|...] (steps: ${CASCADE_STEPS.join(', ')})`,
  'leak=<slug>[|...]',
  'flag=<name>[:<value>][|...]',
  `wire=<${WIRE_SERVICES.join('|')}>[:<METHOD>]:<${WIRE_MODES.join('|')}>[|...] or wire=<AwsAction>:<mode>`,
  ...POSTURE_FAULT_FORMS,
];

const HINT = `Write --faults as comma-separated items, e.g. throttle=0.2,offline=acme|beta,slow=delta:2s. Accepted: ${FAULT_SPEC_FORMS.join('; ')}`;

/** Parses a fault spec; an empty string gives no faults. */
export function parseFaultSpec(spec: string): FaultConfig {
  const faults = defaultFaults();
  for (const rawItem of spec.split(',')) {
    const item = rawItem.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw badItem(item, 'expected key=value');
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (value === '') throw badItem(item, 'the value is empty');
    applyItem(faults, key, value, item);
  }
  return faults;
}

/** Fills the gaps of a partial config (or parses a spec string) into a full FaultConfig. */
export function resolveFaults(input: Partial<FaultConfig> | string | undefined): FaultConfig {
  if (input === undefined) return defaultFaults();
  if (typeof input === 'string') return parseFaultSpec(input);
  return { ...defaultFaults(), ...input };
}

/** Parses `250ms`, `2s`, `1.5s`, `1m` or a bare number of milliseconds. */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000);
}

function applyItem(faults: FaultConfig, key: string, value: string, item: string): void {
  switch (key) {
    case 'throttle':
      faults.awsThrottleRate = parseRate(value, item);
      return;
    case 'throttle-as': {
      const [code, status] = parsePairs(value, item)[0]!;
      if (!/^\d{3}$/.test(status) || Number(status) < 400)
        throw badItem(item, 'expected an HTTP error status like 429');
      if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(code)) throw badItem(item, 'expected an AWS error code or none');
      faults.throttleAnswer = { code: code === 'none' ? null : code, status: Number(status) };
      return;
    }
    case 'console-as':
      if (value !== 'plain') throw badItem(item, 'expected console-as=plain');
      faults.consoleEncoding = 'plain';
      return;
    case 'console-window': {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1024 || n > 1024 * 1024)
        throw badItem(item, 'expected a window size in bytes, 1024 to 1048576 (e.g. 64000)');
      faults.consoleWindowBytes = n;
      return;
    }
    case 'latest-refused-as':
      if (!/^[A-Z][A-Za-z0-9.]*$/.test(value))
        throw badItem(item, 'expected an EC2 error code, e.g. InvalidParameterCombination');
      faults.latestRefusedAs = value;
      return;
    case 'console-timestamp':
      if (value !== 'omitted') throw badItem(item, 'expected console-timestamp=omitted');
      faults.consoleTimestamp = 'omitted';
      return;
    case 'aws-creds':
      if (value !== 'expired') throw badItem(item, 'expected aws-creds=expired');
      faults.awsCredentials = 'expired';
      return;
    case 'pages':
      if (value === 'sparse') faults.sparsePages = true;
      else if (value === 'endless') faults.endlessPages = true;
      else throw badItem(item, 'expected pages=sparse or pages=endless');
      return;
    case 'stage-moves':
      if (value !== 'ignored') throw badItem(item, 'expected stage-moves=ignored');
      faults.ignoreStageMoves = true;
      return;
    case 'ssm-get-lag':
      if (!/^\d+$/.test(value)) throw badItem(item, 'expected a count of reads');
      faults.getInvocationLag = Number(value);
      return;
    case 'ssm-output-cut': {
      const m = /^(\d+):(\d+)$/.exec(value);
      if (!m || Number(m[1]) + Number(m[2]) === 0)
        throw badItem(item, 'expected <head chars>:<tail chars>, e.g. 600:30 (0:400 keeps the last 400)');
      faults.ssmOutputCut = { head: Number(m[1]), tail: Number(m[2]) };
      return;
    }
    case 'pending-stages':
      if (value !== 'ignored') throw badItem(item, 'expected pending-stages=ignored');
      faults.ignoreVersionStages = true;
      return;
    case 'write-version-id':
      if (value !== 'omitted' && value !== 'empty')
        throw badItem(item, 'expected write-version-id=omitted or write-version-id=empty');
      faults.writeVersionId = value;
      return;
    case 'ec2-filters':
      if (value !== 'ignored') throw badItem(item, 'expected ec2-filters=ignored');
      faults.ignoreEc2Filters = true;
      return;
    case 'ec2-omit':
      for (const field of parseNames(value, item)) {
        if (!(EC2_OMITTABLE_FIELDS as readonly string[]).includes(field))
          throw badItem(item, `unknown field "${field}" (fields: ${EC2_OMITTABLE_FIELDS.join(', ')})`);
        (faults.ec2OmittedFields ??= []).push(field as Ec2OmittableField);
      }
      return;
    case 'ssm-omit':
      for (const field of parseNames(value, item)) {
        if (!(SSM_OMITTABLE_FIELDS as readonly string[]).includes(field))
          throw badItem(item, `unknown field "${field}" (fields: ${SSM_OMITTABLE_FIELDS.join(', ')})`);
        (faults.ssmOmittedFields ??= []).push(field as SsmOmittableField);
      }
      return;
    case 'cp5xx':
      faults.cpErrorRate = parseRate(value, item);
      return;
    case 'reset':
      faults.connectionResetRate = parseRate(value, item);
      return;
    case 'latency':
      faults.awsLatencyMs = parseDuration(value, item);
      return;
    case 'host-work':
      faults.hostWorkMs = parseDuration(value, item);
      return;
    case 'api-rate':
      if (value === 'off') {
        faults.apiRates = {};
        return;
      }
      for (const part of parseNames(value, item)) {
        const m = /^([A-Za-z]+):(\d+(?:\.\d+)?)\/s(?::(\d+))?$/.exec(part);
        if (!m || Number(m[2]) <= 0) throw badItem(item, `expected <action>:<n>/s[:<burst>] in "${part}"`);
        faults.apiRates[m[1]!] = {
          perSecond: Number(m[2]),
          burst: m[3] ? Number(m[3]) : Math.max(1, Math.ceil(Number(m[2]) * 2)),
        };
      }
      return;
    case 'offline':
      faults.offlineHosts.push(...parseNames(value, item));
      return;
    case 'docker-fail':
      faults.dockerFailHosts.push(...parseNames(value, item));
      return;
    case 'docker-down':
      faults.dockerDownHosts.push(...parseNames(value, item));
      return;
    case 'old-bash':
      faults.oldBashHosts.push(...parseNames(value, item));
      return;
    case 'console-shapes':
      faults.consoleShapesHosts.push(...parseNames(value, item));
      return;
    case 'ssm-timeout':
      faults.ssmTimeoutHosts.push(...parseNames(value, item));
      return;
    case 'docker-logs-broken':
      faults.dockerLogsBrokenHosts.push(...parseNames(value, item));
      return;
    case 'logs-key':
      faults.logsKeyHosts.push(...parseNames(value, item));
      return;
    case 'logs-base64':
      faults.logsBase64Hosts.push(...parseNames(value, item));
      return;
    case 'restart-always':
      faults.restartAlwaysHosts.push(...parseNames(value, item));
      return;
    case 'env-multiline':
      faults.envMultilineHosts.push(...parseNames(value, item));
      return;
    case 'env-duplicate-secret':
      faults.envDuplicateSecretHosts.push(...parseNames(value, item));
      return;
    case 'container-config':
      faults.containerConfigHosts.push(...parseNames(value, item));
      return;
    case 'container-device':
      faults.containerDeviceHosts.push(...parseNames(value, item));
      return;
    case 'container-hardened':
      faults.containerHardenedHosts.push(...parseNames(value, item));
      return;
    case 'compose-mounts':
      faults.composeMountsHosts.push(...parseNames(value, item));
      return;
    case 'container-pid-host':
      faults.containerPidHostHosts.push(...parseNames(value, item));
      return;
    case 'healthcheck-exec':
      faults.healthcheckExecHosts.push(...parseNames(value, item));
      return;
    case 'same-name-image':
      faults.sameNameImageHosts.push(...parseNames(value, item));
      return;
    case 'provision-fail':
      faults.provisionFail.push(...parseNames(value, item));
      return;
    case 'leak':
      faults.leakOnDelete.push(...parseNames(value, item));
      return;
    case 'slow':
      for (const [name, duration] of parsePairs(value, item)) faults.slowHosts[name] = parseDuration(duration, item);
      return;
    case 'cascade-fail':
      for (const [slug, step] of parsePairs(value, item)) {
        if (!(CASCADE_STEPS as readonly string[]).includes(step)) {
          throw badItem(item, `unknown cascade step "${step}" (steps: ${CASCADE_STEPS.join(', ')})`);
        }
        faults.cascadeFailAfterStep[slug] = step;
      }
      return;
    case 'wire':
      for (const [target, mode] of parsePairs(value, item)) {
        if (!(WIRE_MODES as readonly string[]).includes(mode))
          throw badItem(item, `unknown wire mode "${mode}" (modes: ${WIRE_MODES.join(', ')})`);
        const [service = '', method] = target.split(':');
        const known = (WIRE_SERVICES as readonly string[]).includes(service);
        if (
          method !== undefined
            ? !known || !/^(GET|HEAD|POST|PUT|PATCH|DELETE)$/.test(method)
            : !known && !/^[A-Z][A-Za-z]+$/.test(target)
        )
          throw badItem(
            item,
            `"${target}" is neither a service (${WIRE_SERVICES.join(', ')}) nor an AWS action (a method, if given, is GET, POST, PUT, PATCH, DELETE or HEAD)`,
          );
        (faults.wire ??= {})[target] = mode as WireMode;
      }
      return;
    case 'flag':
      for (const part of parseNames(value, item)) {
        const colon = part.indexOf(':');
        if (colon < 0) faults.flags[part] = true;
        else faults.flags[part.slice(0, colon)] = parseFlagValue(part.slice(colon + 1));
      }
      return;
    default:
      if (
        applyPostureFault(
          faults,
          key,
          () => parseNames(value, item),
          (part) => parsePairs(part, item)[0]!,
          (reason) => badItem(item, reason),
        )
      )
        return;
      throw badItem(item, `unknown fault "${key}"`);
  }
}

function parseRate(value: string, item: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1 || value === '') throw badItem(item, 'expected a fraction between 0 and 1');
  return n;
}

function parseDuration(value: string, item: string): number {
  const ms = parseDurationMs(value);
  if (ms === null) throw badItem(item, 'expected a duration like 250ms or 2s');
  return ms;
}

function parseNames(value: string, item: string): string[] {
  const names = value.split('|').map((s) => s.trim());
  if (names.some((n) => n === '')) throw badItem(item, 'empty name in a |-separated list');
  return names;
}

function parsePairs(value: string, item: string): [string, string][] {
  return parseNames(value, item).map((part) => {
    const colon = part.lastIndexOf(':');
    if (colon <= 0 || colon === part.length - 1) throw badItem(item, `expected name:value in "${part}"`);
    return [part.slice(0, colon), part.slice(colon + 1)];
  });
}

function parseFlagValue(text: string): boolean | number | string {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : text;
}

function badItem(item: string, reason: string): UsageError {
  return new UsageError(`bad fault "${item}": ${reason}`, HINT);
}
