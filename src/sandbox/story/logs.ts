/**
 * What apps print when they start, so a story can say `start: spring` instead of the lines: a
 * Spring Boot app (its name is the container's) and a Node app started by npm.
 */
import type { LogText } from './schema.ts';

const springStart = (app: string, tomcat: string) => {
  const main = `INFO 1 --- [${app}] [           main]`;
  const cls = `c.s.${app.replace(/-/g, '')}.Application`;
  return [
    `2026-05-04T09:02:11.402Z  ${main} ${cls} : Starting Application v1 using Java 21.0.7 with PID 1`,
    `2026-05-04T09:02:11.409Z  ${main} ${cls} : The following 1 profile is active: "prod"`,
    `2026-05-04T09:02:${tomcat}Z  ${main} o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http) with context path '/'`,
  ];
};

const nodeStart = (app: string) => [
  `> ${app}@2.8.0 start`,
  '> node dist/server.js',
  '',
  `{"level":30,"time":1777885331402,"pid":1,"msg":"${app} listening on :3000"}`,
];

/** The text of a log: as written, or a start-up's lines and then the rest. */
export function startLog(log: LogText, container: string): string {
  if (typeof log === 'string') return log;
  const lines =
    log.start === 'spring' ? springStart(container, log.tomcat ?? '19.877') : nodeStart(container);
  return `${lines.join('\n')}\n${log.then ?? ''}`;
}
