/**
 * Masks credentials in text the engine quotes (log lines, event and operation messages). The
 * snapshot never holds Secret objects, but applications print connection strings and tokens, and
 * a diagnosis travels to chat and, when configured, to an LLM.
 */
const MASK = '[redacted]';

const patterns: [RegExp, string][] = [
  // key=value and key: value, also quoted JSON keys: password=hunter2, "apiKey": "abc", token: xyz
  [
    /(["']?\b[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi,
    `$1${MASK}`,
  ],
  // Authorization headers: Bearer/Basic followed by the credential
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${MASK}`],
  // user:password@ in URLs (database and registry connection strings)
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${MASK}@`],
  // JSON Web Tokens
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, MASK],
  // Well-known token shapes: GitHub, Slack, AWS access key ids
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g, MASK],
];

export function redact(text: string): string {
  return patterns.reduce((out, [re, to]) => out.replace(re, to), text);
}
