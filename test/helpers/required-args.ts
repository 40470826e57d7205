/**
 * Arguments and flags each command requires, so that a registry-walking test can reach what it
 * is about (a format refused, an empty flag) rather than stop at a missing argument.
 */
export const REQUIRED_ARGS: Record<string, string[]> = {
  'runs show': ['run-1'],
  'org create': ['acme'],
  'org show': ['acme'],
  'org delete': ['acme'],
  'org gc': ['--prefix', 'e2e-', '--older-than', '1h'],
  console: ['acme'],
  logs: ['acme'],
  'secrets status': ['cp-shared-secret'],
  'secrets put': ['cp-shared-secret', '--value-file', '/dev/null'],
  'secrets rotate': ['cp-shared-secret'],
  'secrets rollback': ['cp-shared-secret'],
  'migrate cp-secret status': ['run-1'],
  'migrate cp-secret resume': ['run-1'],
  'migrate cp-secret rollback': ['run-1'],
};

export const words = (name: string): string[] => name.split(' ');
