/**
 * Secret shapes worth masking wherever they appear, configured or not: the formats the issuers
 * document, plus the places secrets sit in text (headers, URLs, `key=value` pairs in logs, events,
 * env listings, YAML and JSON). Patterns accept the backslash chat markup puts before `_`
 * (`ghp\_…`) and, where a reply may lower-case a word, any case.
 *
 * Sources: GitHub token prefixes (github.blog 2021-04-05 "Behind GitHub's new authentication token
 * formats": ghp_, gho_, ghu_, ghs_, ghr_, github_pat_); GitLab token prefixes (docs.gitlab.com
 * security/tokens "Token prefixes": glpat-, gldt-, glrt-, glptt-, glft-, glsoat-, glcbt-); Slack
 * (api.slack.com/authentication/token-types: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xapp-); Discord
 * bot tokens (base64 of the bot's snowflake id, a timestamp and an HMAC, dot-separated); AWS access
 * key ids (docs.aws.amazon.com IAM "Unique identifiers": AKIA, ASIA); RFC 7519 JWTs; RFC 7468 PEM.
 */
/** What stands where a secret was. */
export const REDACTED_MARK = '[redacted]';

/** How a masked token reads: its kind and last four characters when it is long enough to spare them. */
export function maskToken(token: string): string {
  const t = token.replace(/\\/g, '');
  if (t.length < 20) return REDACTED_MARK;
  const prefix =
    /^(gh[pousr]_|github_pat_|gl[a-z]{2,5}-|xox[abprs]-|xapp-|AKIA|ASIA|eyJ)/i.exec(t)?.[1] ?? '';
  return `${prefix}…${t.slice(-4)}`;
}

export interface SecretShape {
  name: string;
  re: RegExp;
  /**
   * The value identifies itself as a credential (an issuer's prefix, a key block), wherever it is.
   * The others are credentials by where they sit (a header, a URL, a `password=` pair); in a
   * repository those are often placeholders or names (`existingSecret: db`).
   */
  credential?: boolean;
  mask: string | ((match: string, ...groups: string[]) => string);
}

/** An underscore, perhaps escaped by the chat markup. */
const U = '\\\\?_';
/** Characters of a token body, with escaped underscores. */
const BODY = `(?:[A-Za-z0-9-]|${U})`;
/** A credential after Bearer/Basic: not a plain word (it holds a digit or a token character). */
const CREDENTIAL = '(?=[A-Za-z0-9._~+/=\\\\-]*[0-9._~+/=-])[A-Za-z0-9._~+/=\\\\-]{8,}';
const SECRET_KEYS =
  'password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?';

export const SECRET_SHAPES: SecretShape[] = [
  {
    name: 'PEM private key',
    credential: true,
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    // Line for line, so a log kept as an array of lines keeps its shape (see Redactor.object).
    mask: (m) =>
      m
        .split('\n')
        .map((line) => (/^-----(BEGIN|END) /.test(line) ? line : REDACTED_MARK))
        .join('\n'),
  },
  {
    name: 'GitHub token',
    credential: true,
    re: new RegExp(`\\bgh[pousr]${U}[A-Za-z0-9]{20,}`, 'gi'),
    mask: maskToken,
  },
  {
    name: 'GitHub fine-grained token',
    credential: true,
    re: new RegExp(`\\bgithub${U}pat${U}${BODY}{22,}`, 'gi'),
    mask: maskToken,
  },
  {
    name: 'GitLab token',
    credential: true,
    re: new RegExp(`\\bgl(?:pat|dt|rt|ptt|ft|soat|cbt)-${BODY}{20,}`, 'gi'),
    mask: maskToken,
  },
  { name: 'Slack token', credential: true, re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/gi, mask: maskToken },
  { name: 'Slack app token', credential: true, re: /\bxapp-\d-[A-Za-z0-9-]{10,}/gi, mask: maskToken },
  {
    name: 'Discord bot token',
    credential: true,
    re: new RegExp(`\\b[MNO]${BODY}{23,27}\\.${BODY}{6}\\.${BODY}{27,40}`, 'g'),
    mask: maskToken,
  },
  {
    name: 'JWT',
    credential: true,
    re: new RegExp(`\\beyJ${BODY}{5,}\\.${BODY}{5,}\\.${BODY}*`, 'gi'),
    mask: maskToken,
  },
  { name: 'AWS access key id', credential: true, re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/gi, mask: maskToken },
  {
    name: 'Authorization header',
    re: /\b(authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate)\s+)?[^\s,;"']+/gi,
    mask: (_m, head, scheme) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED_MARK}`,
  },
  {
    name: 'Bearer or Basic credential',
    re: new RegExp(`\\b(bearer|basic)\\s+${CREDENTIAL}`, 'gi'),
    mask: (_m, scheme) => `${scheme} ${REDACTED_MARK}`,
  },
  {
    name: 'password in a URL',
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi,
    mask: (_m, head) => `${head}${REDACTED_MARK}@`,
  },
  {
    // password=hunter2, DB_PASSWORD: x, "apiKey": "x", token=x in a query: the key's last word
    // decides (secretName or passwordFile are not secrets).
    name: 'secret key=value',
    re: new RegExp(
      `(["']?\\b(?:[\\w.-]|\\\\_)*(?:${SECRET_KEYS})["']?[ \\t]*[:=][ \\t]*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,;&"'}]+)`,
      'gi',
    ),
    mask: (m, head, value) => (value === REDACTED_MARK ? m : `${head}${REDACTED_MARK}`),
  },
];
