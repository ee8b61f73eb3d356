/** Bolt and the Slack SDK log through deckhand's logger. */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../core/logging.ts';

export function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    // Bolt logs whole payloads at debug: format them only when someone reads them.
    debug: (...m: unknown[]) => {
      if (log.isLevelEnabled('debug')) log.debug(text(m));
    },
    info: (...m: unknown[]) => {
      if (log.isLevelEnabled('info')) log.info(text(m));
    },
    warn: (...m: unknown[]) => log.warn(text(m)),
    error: (...m: unknown[]) => log.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
