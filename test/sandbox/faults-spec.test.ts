import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/lib/errors.js';
import { parseFaultSpec, resolveFaults } from '../../src/sandbox/faults-spec.js';
import { defaultFaults } from '../../src/sandbox/state.js';

describe('parseFaultSpec', () => {
  it('parses the full example spec', () => {
    const faults = parseFaultSpec(
      'throttle=0.2,latency=20ms,cp5xx=0.1,reset=0.05,offline=acme|beta,docker-fail=gamma,slow=delta:2s,host-work=2s,api-rate=SendCommand:2/s:3|ListCommandInvocations:0.5/s,provision-fail=x,cascade-fail=y:terminate-tenant,leak=z,flag=instanceLeaksToken',
    );
    // Every item of the spec set; the rest of the faults stay as they default.
    expect(faults).toEqual({
      ...defaultFaults(),
      awsThrottleRate: 0.2,
      awsLatencyMs: 20,
      cpErrorRate: 0.1,
      connectionResetRate: 0.05,
      offlineHosts: ['acme', 'beta'],
      dockerFailHosts: ['gamma'],
      slowHosts: { delta: 2000 },
      hostWorkMs: 2000,
      apiRates: { SendCommand: { perSecond: 2, burst: 3 }, ListCommandInvocations: { perSecond: 0.5, burst: 1 } },
      provisionFail: ['x'],
      cascadeFailAfterStep: { y: 'terminate-tenant' },
      leakOnDelete: ['z'],
      flags: { instanceLeaksToken: true },
    });
  });

  it.each([
    ['', defaultFaults()],
    ['latency=1.5s', { ...defaultFaults(), awsLatencyMs: 1500 }],
    ['latency=250', { ...defaultFaults(), awsLatencyMs: 250 }],
    ['host-work=1m', { ...defaultFaults(), hostWorkMs: 60_000 }],
    ['api-rate=off', { ...defaultFaults(), apiRates: {} }],
    ['docker-down=beta|i-0abc', { ...defaultFaults(), dockerDownHosts: ['beta', 'i-0abc'] }],
    ['old-bash=acme', { ...defaultFaults(), oldBashHosts: ['acme'] }],
    ['console-shapes=acme|i-0abc', { ...defaultFaults(), consoleShapesHosts: ['acme', 'i-0abc'] }],
    ['logs-key=acme', { ...defaultFaults(), logsKeyHosts: ['acme'] }],
    ['logs-base64=acme', { ...defaultFaults(), logsBase64Hosts: ['acme'] }],
    [
      'latest-refused-as=InvalidParameterCombination',
      { ...defaultFaults(), latestRefusedAs: 'InvalidParameterCombination' },
    ],
    ['console-window=64000', { ...defaultFaults(), consoleWindowBytes: 64000 }],
    ['console-timestamp=omitted', { ...defaultFaults(), consoleTimestamp: 'omitted' }],
    ['docker-logs-broken=acme', { ...defaultFaults(), dockerLogsBrokenHosts: ['acme'] }],
    ['ssm-timeout=acme', { ...defaultFaults(), ssmTimeoutHosts: ['acme'] }],
    ['restart-always=acme', { ...defaultFaults(), restartAlwaysHosts: ['acme'] }],
    ['env-multiline=acme', { ...defaultFaults(), envMultilineHosts: ['acme'] }],
    ['container-config=acme', { ...defaultFaults(), containerConfigHosts: ['acme'] }],
    ['container-device=acme|beta', { ...defaultFaults(), containerDeviceHosts: ['acme', 'beta'] }],
    ['container-hardened=acme', { ...defaultFaults(), containerHardenedHosts: ['acme'] }],
    ['compose-mounts=acme', { ...defaultFaults(), composeMountsHosts: ['acme'] }],
    ['container-pid-host=acme', { ...defaultFaults(), containerPidHostHosts: ['acme'] }],
    ['healthcheck-exec=acme', { ...defaultFaults(), healthcheckExecHosts: ['acme'] }],
    ['same-name-image=acme', { ...defaultFaults(), sameNameImageHosts: ['acme'] }],
    ['env-duplicate-secret=gamma', { ...defaultFaults(), envDuplicateSecretHosts: ['gamma'] }],
    ['ec2-filters=ignored', { ...defaultFaults(), ignoreEc2Filters: true }],
    ['ec2-omit=groupSet|metadataOptions', { ...defaultFaults(), ec2OmittedFields: ['groupSet', 'metadataOptions'] }],
    ['ssm-omit=PingStatus', { ...defaultFaults(), ssmOmittedFields: ['PingStatus'] }],
    ['pending-stages=ignored', { ...defaultFaults(), ignoreVersionStages: true }],
    ['write-version-id=omitted', { ...defaultFaults(), writeVersionId: 'omitted' }],
    ['write-version-id=empty', { ...defaultFaults(), writeVersionId: 'empty' }],
    ['ssm-get-lag=2', { ...defaultFaults(), getInvocationLag: 2 }],
    ['ssm-output-cut=600:30', { ...defaultFaults(), ssmOutputCut: { head: 600, tail: 30 } }],
    ['ssm-output-cut=0:400', { ...defaultFaults(), ssmOutputCut: { head: 0, tail: 400 } }],
    ['stage-moves=ignored', { ...defaultFaults(), ignoreStageMoves: true }],
    ['pages=sparse', { ...defaultFaults(), sparsePages: true }],
    ['pages=endless', { ...defaultFaults(), endlessPages: true }],
    ['aws-creds=expired', { ...defaultFaults(), awsCredentials: 'expired' }],
    ['console-as=plain', { ...defaultFaults(), consoleEncoding: 'plain' }],
    ['throttle-as=none:429', { ...defaultFaults(), throttleAnswer: { code: null, status: 429 } }],
    [
      'throttle-as=TooManyRequestsException:429',
      { ...defaultFaults(), throttleAnswer: { code: 'TooManyRequestsException', status: 429 } },
    ],
    ['slow=a:1s|i-0abc:500ms', { ...defaultFaults(), slowHosts: { a: 1000, 'i-0abc': 500 } }],
    ['offline=a, offline=b', { ...defaultFaults(), offlineHosts: ['a', 'b'] }],
    [
      'flag=hostSecretsDenied:acme,flag=n:3|off:false',
      { ...defaultFaults(), flags: { hostSecretsDenied: 'acme', n: 3, off: false } },
    ],
  ])('parses %j', (spec, expected) => {
    expect(parseFaultSpec(spec)).toEqual(expected);
  });

  it.each([
    ['throttle=2', 'expected a fraction between 0 and 1'],
    ['throttle=abc', 'expected a fraction between 0 and 1'],
    ['latency=fast', 'expected a duration'],
    ['offline', 'expected key=value'],
    ['offline=', 'the value is empty'],
    ['offline=a||b', 'empty name'],
    ['slow=delta', 'expected name:value'],
    ['cascade-fail=y:explode', 'unknown cascade step "explode"'],
    ['api-rate=SendCommand:fast', 'expected <action>:<n>/s[:<burst>] in "SendCommand:fast"'],
    ['throttle-as=none:fast', 'expected an HTTP error status'],
    ['ec2-omit=tagSet', 'unknown field "tagSet"'],
    ['ssm-omit=IPAddress', 'unknown field "IPAddress"'],
    ['teleport=1', 'unknown fault "teleport"'],
  ])('rejects %j with a usage error naming the item', (spec, reason) => {
    let error: unknown;
    try {
      parseFaultSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const e = error as UsageError;
    expect(e.code).toBe(2);
    expect(e.message).toContain(`"${spec}"`);
    expect(e.message).toContain(reason);
    expect(e.hint).toContain('cascade-fail=<slug>:<step>');
  });

  it('parses wire= by service, by service and method, and by AWS action; refuses unknown modes and targets', () => {
    expect(parseFaultSpec('wire=cp:stall|cp:POST:hang|SendCommand:drip|gitea:truncate|railway:huge').wire).toEqual({
      cp: 'stall',
      'cp:POST': 'hang',
      SendCommand: 'drip',
      gitea: 'truncate',
      railway: 'huge',
    });
    expect(() => parseFaultSpec('wire=cp:slowly')).toThrow(/unknown wire mode "slowly"/);
    expect(() => parseFaultSpec('wire=ftp:hang')).toThrow(/"ftp" is neither a service/);
    expect(() => parseFaultSpec('wire=cp:FETCH:hang')).toThrow(/"cp:FETCH" is neither a service/);
  });

  it('fills a partial config with defaults', () => {
    expect(resolveFaults({ leakOnDelete: ['acme'] })).toEqual({ ...defaultFaults(), leakOnDelete: ['acme'] });
    expect(resolveFaults(undefined)).toEqual(defaultFaults());
  });
});
