/** `envs list`. */
import type { Command } from '../command.js';
import { table, time } from '../format.js';

export const envsList: Command = {
  name: 'envs list',
  summary: 'list environments and their revisions',
  arguments: [],
  usage: '',
  options: {},
  async run(ctx) {
    const body = await ctx.api().environments.list();
    if (ctx.json) return ctx.printJson(body);
    ctx.out(
      table(
        ['ENVIRONMENT', 'NAME', 'REVISION', 'CREATED'],
        body.environments.map((e) => [e.key, e.name, String(e.revision), time(e.createdAt)]),
      ),
    );
  },
};
