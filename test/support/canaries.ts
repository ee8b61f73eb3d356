/**
 * Canaries for the leak test: one distinct value of every secret class deckhand must never let
 * out, each in the form it takes in the wild, and a scanner that reports where any was found.
 * A masked token keeps its last four characters, so a canary is only found when it leaked whole.
 */
export const CANARY = {
  githubToken: 'ghp_LeakGithubToken0123456789abcdefghij',
  githubPat: 'github_pat_11LEAKPAT0_LeakFineGrainedToken0123456789abcdef',
  gitlabToken: 'glpat-LeakGitlab_Token01234',
  slackToken: 'xoxb-2222222222-3333333333-LeakSlackBotTokenXY',
  discordToken: 'MTE4LeakDiscordToken01234.GhXy7Z.LeakDiscordHmacPart0123456789abcd',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJsZWFrIjoiand0In0.LeakJwtSignature0123',
  awsKeyId: 'AKIALEAKAWSKEY012345',
  awsSecret: 'LeakAwsSecret0123456789abcdefghijklmnopq',
  pemBody: 'MIIEvLeakPemBody0123456789abcdefghijkl',
  bearer: 'LeakBearer0123456789abcdef',
  urlPassword: 'LeakUrlPass0123',
  passwordPair: 'LeakPassword0123',
  eventToken: 'LeakEventToken0123',
  envToken: 'LeakEnvToken0123',
  configMapPassword: 'LeakConfigMapPass0123',
  configMapGitPassword: 'LeakConfigMapGitPass0123',
  secretValue: 'LeakSecretValue0123',
  alertPassword: 'LeakAlertPass0123',
  reasonToken: 'ghp_LeakReasonToken0123456789abcdefghijk',
  argToken: 'eyJhbGciOiJIUzI1NiJ9.eyJsZWFrIjoiYXJnIn0.LeakArgSignature0123',
} as const;

/** A log of a misbehaving app that prints what it should not. */
export const leakyLogLines = (): string[] => [
  `connecting to postgres://news:${CANARY.urlPassword}@db.news.svc:5432/news`,
  `retrying login with password=${CANARY.passwordPair} user=news`,
  `GET https://api.partner.example/v1/feed Authorization: Bearer ${CANARY.bearer}`,
  `using GITHUB_TOKEN=${CANARY.githubToken} for the release notes`,
  `fine-grained token ${CANARY.githubPat}`,
  `gitlab ${CANARY.gitlabToken} mirror failed`,
  `slack notify with ${CANARY.slackToken}`,
  `discord bot ${CANARY.discordToken}`,
  `session ${CANARY.jwt}`,
  `aws credentials ${CANARY.awsKeyId} aws_secret_access_key=${CANARY.awsSecret}`,
  '-----BEGIN PRIVATE KEY-----',
  CANARY.pemBody,
  '-----END PRIVATE KEY-----',
];

export interface Hit {
  canary: string;
  where: string;
}

/** Every canary found in any of the texts, with where. */
export function scan(canaries: string[], places: Record<string, string>): Hit[] {
  const hits: Hit[] = [];
  for (const [where, text] of Object.entries(places))
    for (const canary of canaries) if (text.includes(canary)) hits.push({ canary, where });
  return hits;
}
