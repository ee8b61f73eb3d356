/**
 * A typed key for a service. tsyringe's own tokens are untyped strings or symbols; the phantom `_t`
 * lets `resolve(token)` return the right type without casts at every call site.
 */
export interface Token<T> {
  readonly key: symbol;
  readonly name: string;
  readonly _t?: T;
}

export const token = <T>(name: string): Token<T> => ({ key: Symbol(name), name });

/** The service type a token stands for. */
export type TokenType<K> = K extends Token<infer T> ? T : never;

/** A map of names to tokens, as a plugin declares its dependencies. */
export type TokenMap = Record<string, Token<unknown>>;

/** What a plugin receives for a declared dependency map. */
export type Resolved<M extends TokenMap> = { [K in keyof M]: TokenType<M[K]> };
