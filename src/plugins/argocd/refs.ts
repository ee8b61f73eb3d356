/**
 * Application references as users type them: `name`, `namespace/name` (apps in any namespace) and
 * `name@instance` (several Argo CD instances), combinable: `payments/api@prod`.
 */
import { InputError } from '../../core/errors.ts';

export interface AppRef {
  name: string;
  namespace?: string;
  instance?: string;
  /** As typed, for messages. */
  raw: string;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseAppRef(input: string): AppRef {
  const raw = input.trim();
  const at = raw.lastIndexOf('@');
  const instance = at >= 0 ? raw.slice(at + 1) : undefined;
  const path = at >= 0 ? raw.slice(0, at) : raw;
  const slash = path.indexOf('/');
  const namespace = slash >= 0 ? path.slice(0, slash) : undefined;
  const name = slash >= 0 ? path.slice(slash + 1) : path;
  const hint = 'Application references look like `naver-news`, `payments/api` or `api@prod`.';
  if (!name) throw new InputError(`'${raw}' does not name an application.`, { hint });
  if (name.length > 253 || !dnsSubdomain.test(name)) {
    throw new InputError(
      `'${name}' is not a valid application name: lowercase letters, digits, '-' and '.' only.`,
      { hint },
    );
  }
  if (namespace !== undefined && (namespace.length > 63 || !dnsLabel.test(namespace))) {
    throw new InputError(`'${namespace}' is not a valid namespace name.`, { hint });
  }
  if (instance !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(instance)) {
    throw new InputError(`'${instance}' is not a valid Argo CD instance name.`, { hint });
  }
  return { name, namespace, instance, raw };
}

export const formatAppRef = (
  r: { name: string; namespace?: string; instance?: string },
  multiInstance: boolean,
): string =>
  `${r.namespace ? `${r.namespace}/` : ''}${r.name}${multiInstance && r.instance ? `@${r.instance}` : ''}`;
