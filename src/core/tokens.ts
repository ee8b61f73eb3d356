/** Tokens for the services the core provides to every plugin. */
import type { AccessPolicy } from './access.ts';
import type { ActionService } from './actions.ts';
import type { ApprovalService } from './approvals.ts';
import type { ChatService } from './chat.ts';
import type { Clock } from './clock.ts';
import type { CommandRegistry } from './commands/registry.ts';
import type { CoreConfig } from './config/schema.ts';
import type { HttpServer } from './http/server.ts';
import type { IdentityResolver } from './identity.ts';
import type { JobRunner } from './jobs.ts';
import type { Leader } from './leader.ts';
import type { CronScheduler } from './scheduler.ts';
import type { Logger } from './logging.ts';
import type { Metrics } from './metrics.ts';
import type { Redactor } from './redact.ts';
import type { Store } from './store/types.ts';
import type { TaskTracker } from './tasks.ts';
import { token } from './token.ts';

export const ConfigToken = token<CoreConfig>('Config');
export const LoggerToken = token<Logger>('Logger');
export const ClockToken = token<Clock>('Clock');
export const StoreToken = token<Store>('Store');
export const AccessToken = token<AccessPolicy>('Access');
export const IdentityToken = token<IdentityResolver>('Identity');
export const ActionsToken = token<ActionService>('Actions');
export const ApprovalsToken = token<ApprovalService>('Approvals');
export const ChatToken = token<ChatService>('Chat');
export const CommandsToken = token<CommandRegistry>('Commands');
export const JobsToken = token<JobRunner>('Jobs');
export const LeaderToken = token<Leader>('Leader');
export const SchedulerToken = token<CronScheduler>('Scheduler');
export const HttpToken = token<HttpServer>('Http');
export const MetricsToken = token<Metrics>('Metrics');
export const TasksToken = token<TaskTracker>('Tasks');
export const RedactorToken = token<Redactor>('Redactor');
/** Facts about the running bot for `version` and `plugins`. */
export const BotInfoToken = token<BotInfo>('BotInfo');

export interface BotInfo {
  version: string;
  node: string;
  startedAt: number;
  /** Every plugin, with whether it runs and, when it does not, why. */
  plugins(): {
    id: string;
    summary: string;
    commands: number;
    state: 'loaded' | 'disabled' | 'failed' | 'left-out';
    reason?: string;
  }[];
  configPath?: string;
}
