import { defineCommand } from '../lib/cli/command-definition.js';
import { describeConfig, type ConfigEntry } from '../lib/config/describe-config.js';
import { fitLine } from '../lib/output/fit-line.js';
import { ownCell, remoteCell, renderTable } from '../lib/output/table.js';

export const configShowCommand = defineCommand({
  description:
    'Show the effective configuration: every value, and the layer it came from (default, file, env, flag). Secrets are never shown, only where they would be read from.',
  flags: {},
  examples: [
    ['molectl config show', 'the production environment as molectl sees it'],
    ['molectl --env staging config show -o json', 'staging, as JSON'],
  ],

  async run(ctx) {
    const entries = describeConfig(ctx.config, ctx.env);
    await ctx.out.result(
      {
        environment: ctx.config.envName.value,
        configFile: ctx.config.configPath,
        configFileFound: ctx.config.configFileFound,
        settings: entries,
      },
      (data, style) =>
        [
          fitLine(
            `environment ${data.environment}   config file ${data.configFile}${data.configFileFound ? '' : ' (not found: defaults apply)'}`,
            style,
            2,
          ),
          '',
          renderTable<ConfigEntry>(
            [
              { header: 'key', value: (e) => ownCell(e.key) },
              // Values come from a config file or the environment: text from outside.
              { header: 'value', value: (e) => remoteCell(e.value), shrink: true },
              {
                header: 'source',
                value: (e) => ownCell(e.source),
                style: (cell, e) =>
                  e.source === 'default' || e.source === 'unset' ? style.dim(cell) : style.accent(cell),
              },
              // Left out first on a narrow terminal: source says the layer, and a key's value
              // matters more than which variable or file of that layer it was read from.
              { header: 'from', value: (e) => remoteCell(e.origin), shrink: true, leaveOut: 1 },
            ],
            data.settings,
            style,
          ),
        ].join('\n'),
    );
    return 0;
  },
});
