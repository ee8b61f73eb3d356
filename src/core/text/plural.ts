/** A count with its noun: `1 dead letter`, `3 dead letters`, `2 Git repositories` (given `many`). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
