// A plugin talks to another only through that plugin's public modules: its index.ts (service
// tokens, types) and, where it has one, its api.ts (typed action kinds and schemas in a leaf
// module that imports no other plugin, for the plugins the owner itself depends on). Anything else
// under src/plugins/<other>/ is the other plugin's to change without notice, so importing it is an
// error. Core and adapters are held to the same rule; tests may look inside what they test.
import { dirname, relative, resolve, sep } from 'node:path';

const pluginsDir = resolve(import.meta.dirname, '..', 'src', 'plugins');

/** `{ plugin, file }` for a path under src/plugins/<plugin>/, else undefined. */
function locate(path) {
  const rel = relative(pluginsDir, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const [plugin, ...rest] = rel.split(sep);
  return rest.length ? { plugin, file: rest.join('/') } : undefined;
}

export default {
  rules: {
    'plugin-boundaries': {
      meta: {
        type: 'problem',
        docs: { description: 'import another plugin only through its public module (index.ts)' },
        schema: [],
        messages: {
          internal:
            "'{{source}}' is an internal file of the {{plugin}} plugin; import what you need from its public module ({{plugin}}/index.ts or api.ts), adding it there if it is meant to be shared.",
        },
      },
      create(context) {
        const from = locate(context.filename);
        const check = (node) => {
          const source = node.source?.value;
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const to = locate(resolve(dirname(context.filename), source));
          if (!to || to.file === 'index.ts' || to.file === 'api.ts' || to.plugin === from?.plugin) return;
          context.report({ node: node.source, messageId: 'internal', data: { source, plugin: to.plugin } });
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: (node) => check({ source: node.source }),
        };
      },
    },
  },
};
