/** Shell-style globs for names: `*` any run of characters, `?` one character. Case-sensitive. */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(glob, re);
  }
  return re;
}

export const globMatch = (glob: string, value: string): boolean => globToRegExp(glob).test(value);

export const anyGlob = (globs: readonly string[] | undefined, value: string): boolean =>
  !globs || globs.length === 0 || globs.some((g) => globMatch(g, value));
