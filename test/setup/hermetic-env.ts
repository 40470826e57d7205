/**
 * The tests run molectl against sandboxes they start themselves. A shell that targets something
 * else (after `eval "$(molectl sandbox up --detach)"`, which the README suggests, or with AWS and CP
 * settings of real work) would otherwise leak into every test that passes `process.env` on: the
 * CP URL, token file, AWS profile and endpoint of a sandbox long gone. Each test file starts
 * without them; a test that needs one sets it.
 */
const AMBIENT = /^(MOLECTL_|AWS_)/;
const AMBIENT_NAMES = [
  'CP_ADMIN_API_TOKEN',
  'GITEA_TOKEN',
  'RAILWAY_TOKEN',
  'VERCEL_TOKEN',
  'REGISTRY_TOKEN',
  'NO_COLOR',
  'FORCE_COLOR',
];

for (const name of Object.keys(process.env)) {
  if (AMBIENT.test(name) || AMBIENT_NAMES.includes(name)) delete process.env[name];
}
