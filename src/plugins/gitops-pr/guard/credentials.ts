/**
 * The last look before a planned change goes to Git, for secrets: no line the change adds may
 * hold a credential (a configured secret, a token that names its issuer, a private key). A revert
 * of the commit that removed a leaked key, or a value someone pasted, stops here, not in history.
 */
import { InputError } from '../../../core/errors.ts';
import type { Redactor } from '../../../core/redact.ts';
import { diffLines } from '../../../core/text/diff.ts';
import type { Plan } from '../changes.ts';

export class CredentialInChangeError extends InputError {}

export function checkNoCredential(plan: Plan, redactor: Redactor): void {
  const files = plan.changes.filter((c) => {
    if (c.after === null) return false;
    const added = diffLines(c.before.split('\n'), c.after.split('\n')).filter((e) => e.op === '+');
    return added.some((e) => redactor.holdsCredential(e.line));
  });
  if (files.length)
    throw new CredentialInChangeError(
      `This change would write a credential to ${files.map((c) => c.path).join(', ')}; deckhand does not put secrets in Git.`,
      { hint: 'Keep the value in a Secret (or a secrets manager) and reference it; nothing was pushed.' },
    );
}
