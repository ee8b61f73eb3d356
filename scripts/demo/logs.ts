/**
 * Container logs as each program in the demo prints them: Spring Boot with the JVM's GC log,
 * Next.js, a Go worker's JSON lines, mysqld, Grafana's logfmt, the Prometheus family's slog.
 * Every log starts when its container started; times inside are plain text.
 */
import { hex, pick } from './model.ts';

const ms = (t: number) => new Date(t).toISOString();
/** Spring Boot's default console timestamp: ISO with milliseconds. */
const springTs = (t: number) => ms(t);
const nanos = (t: number, key: string) =>
  ms(t).replace(/Z$/, `${String(pick(key, 1_000_000)).padStart(6, '0')}Z`);

function spring(app: string) {
  return (t: number, level: string, thread: string, logger: string, msg: string) =>
    `${springTs(t)} ${level.padStart(5)} 1 --- [${app}] [${thread.padStart(15)}] ${logger.padEnd(40)} : ${msg}`;
}

const banner = (version: string) => `
  .   ____          _            __ _ _
 /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\
( ( )\\___ | '_ | '_| | '_ \\/ _\` | \\ \\ \\ \\
 \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )
  '  |____| .__|_| |_|_| |_\\__, | / / / /
 =========|_|==============|___/=/_/_/_/

 :: Spring Boot ::                (v${version})
`;

const uptime = (sec: number) => `[${sec.toFixed(3)}s][info][gc]`;

/**
 * One run of the naver-news crawler with a 512Mi limit: Spring Boot starts, the crawl fills the
 * 384M heap (75% of the limit) until G1 runs full collections back to back, and the log simply
 * stops where the kernel's OOM killer ended the process (SIGKILL leaves no last words; the heap
 * plus metaspace, code cache and thread stacks outgrew the cgroup before Java could throw).
 */
export function naverNewsRun(start: number, runSeconds: number, key: string): string {
  const log = spring('naver-news');
  const at = (s: number) => start + Math.round(s * 1000);
  const f = runSeconds / 160;
  const jitter = (n: number) => pick(`${key}/${n}`, 9) - 4;
  const lines = [
    'Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=75.0 -Xlog:gc',
    `${uptime(0.006)} Using G1`,
    banner('3.3.2'),
    log(
      at(2.1),
      'INFO',
      'main',
      'd.s.navernews.NaverNewsApplication',
      'Starting NaverNewsApplication v1.8.3 using Java 21.0.4 with PID 1 (/app/app.jar started by spring in /app)',
    ),
    log(
      at(2.1),
      'INFO',
      'main',
      'd.s.navernews.NaverNewsApplication',
      'The following 1 profile is active: "prod"',
    ),
    `${uptime(3.912)} GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->7M(260M) 4.127ms`,
    log(
      at(5.4),
      'INFO',
      'main',
      'o.s.b.w.embedded.tomcat.TomcatWebServer',
      'Tomcat initialized with port 8080 (http)',
    ),
    log(at(5.5), 'INFO', 'main', 'o.apache.catalina.core.StandardService', 'Starting service [Tomcat]'),
    log(
      at(5.5),
      'INFO',
      'main',
      'o.apache.catalina.core.StandardEngine',
      'Starting Servlet engine: [Apache Tomcat/10.1.26]',
    ),
    `${uptime(7.035)} GC(1) Pause Young (Normal) (G1 Evacuation Pause) 58M->19M(260M) 6.902ms`,
    log(at(9.8), 'INFO', 'main', 'com.zaxxer.hikari.HikariDataSource', 'HikariPool-1 - Starting...'),
    log(
      at(10.6),
      'INFO',
      'main',
      'com.zaxxer.hikari.pool.HikariPool',
      `HikariPool-1 - Added connection com.mysql.cj.jdbc.ConnectionImpl@${hex(`${key}/conn`, 8)}`,
    ),
    log(at(10.6), 'INFO', 'main', 'com.zaxxer.hikari.HikariDataSource', 'HikariPool-1 - Start completed.'),
    `${uptime(12.288)} GC(2) Pause Young (Normal) (G1 Evacuation Pause) 96M->31M(260M) 8.441ms`,
    log(
      at(14.9),
      'INFO',
      'main',
      'o.s.b.a.e.web.EndpointLinksResolver',
      "Exposing 3 endpoints beneath base path '/actuator'",
    ),
    log(
      at(15.7),
      'INFO',
      'main',
      'o.s.b.w.embedded.tomcat.TomcatWebServer',
      "Tomcat started on port 8080 (http) with context path '/'",
    ),
    log(
      at(15.8),
      'INFO',
      'main',
      'd.s.navernews.NaverNewsApplication',
      `Started NaverNewsApplication in 15.${347 + jitter(1)} seconds (process running for 16.${881 + jitter(2)})`,
    ),
    log(
      at(16.4),
      'INFO',
      'scheduling-1',
      'd.s.n.crawler.CrawlScheduler',
      'Crawl started: sections=[politics, economy, society, it], pagesPerSection=20, threads=8',
    ),
    `${uptime(22.41 * f)} GC(7) Pause Young (Normal) (G1 Evacuation Pause) 143M->71M(384M) 11.806ms`,
    log(
      at(38 * f),
      'INFO',
      'crawler-3',
      'd.s.n.crawler.SectionCrawler',
      `section=politics fetched 200 articles in ${(20.9 * f).toFixed(1)}s`,
    ),
    `${uptime(41.27 * f)} GC(11) Pause Young (Normal) (G1 Evacuation Pause) 236M->158M(384M) 17.552ms`,
    log(
      at(55 * f),
      'INFO',
      'crawler-7',
      'd.s.n.crawler.SectionCrawler',
      `section=economy fetched 200 articles in ${(16.8 * f).toFixed(1)}s`,
    ),
    log(
      at(57 * f),
      'INFO',
      'crawler-7',
      'd.s.n.crawler.DedupIndex',
      `dedup index holds ${48211 + jitter(3) * 17} articles (${212 + jitter(4)} MB of bodies)`,
    ),
    `${uptime(63.02 * f)} GC(15) Pause Young (Concurrent Start) (G1 Humongous Allocation) 318M->251M(384M) 21.930ms`,
    `${uptime(63.02 * f)} GC(16) Concurrent Mark Cycle`,
    `${uptime(64.71 * f)} GC(16) Pause Remark 262M->262M(384M) 3.118ms`,
    `${uptime(65.3 * f)} GC(16) Pause Cleanup 266M->266M(384M) 0.204ms`,
    `${uptime(65.42 * f)} GC(16) Concurrent Mark Cycle 2403.112ms`,
    `${uptime(88.15 * f)} GC(21) Pause Young (Mixed) (G1 Evacuation Pause) 352M->327M(384M) 29.674ms`,
    log(
      at(101 * f),
      'INFO',
      'crawler-2',
      'd.s.n.crawler.SectionCrawler',
      `section=society fetched 200 articles in ${(46.3 * f).toFixed(1)}s`,
    ),
    `${uptime(118.6 * f)} GC(24) Pause Young (Normal) (G1 Evacuation Pause) 376M->369M(384M) 38.015ms`,
    `${uptime(126.9 * f)} GC(25) Pause Full (G1 Compaction Pause) 381M->349M(384M) ${612 + jitter(5)}.448ms`,
    `${uptime(141.3 * f)} GC(27) Pause Young (Normal) (G1 Evacuation Pause) 380M->377M(384M) 41.772ms`,
    `${uptime(147.8 * f)} GC(28) Pause Full (G1 Compaction Pause) 383M->362M(384M) ${701 + jitter(6)}.305ms`,
    log(
      at(152 * f),
      'WARN',
      'crawler-5',
      'd.s.n.crawler.SectionCrawler',
      'section=it page=7 slow: 4812 ms (GC pauses?)',
    ),
  ];
  return lines.join('\n') + '\n';
}

/** The first lines of a healthy naver-news start, for the simulation (a pod that fits its limit). */
export function naverNewsStart(start: number, key: string): string {
  const full = naverNewsRun(start, 160, key).split('\n');
  const started = full.findIndex((l) => l.includes('Crawl started'));
  return full.slice(0, started + 1).join('\n') + '\n';
}

export function flashApi(start: number, version: string, env: string, key: string): string {
  const log = spring('flash-api');
  const at = (s: number) => start + Math.round(s * 1000);
  return (
    [
      banner('3.3.4'),
      log(
        at(1.4),
        'INFO',
        'main',
        'd.f.api.FlashApiApplicationKt',
        `Starting FlashApiApplicationKt v${version} using Java 21.0.4 with PID 1 (/app/app.jar started by app in /app)`,
      ),
      log(
        at(1.4),
        'INFO',
        'main',
        'd.f.api.FlashApiApplicationKt',
        'The following 1 profile is active: "k8s"',
      ),
      log(
        at(3.9),
        'INFO',
        'main',
        'o.s.b.w.embedded.tomcat.TomcatWebServer',
        'Tomcat initialized with port 8080 (http)',
      ),
      log(at(5.2), 'INFO', 'main', 'com.zaxxer.hikari.HikariDataSource', 'HikariPool-1 - Starting...'),
      log(
        at(5.7),
        'INFO',
        'main',
        'com.zaxxer.hikari.pool.HikariPool',
        `HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@${hex(`${key}/pg`, 8)}`,
      ),
      log(at(5.7), 'INFO', 'main', 'com.zaxxer.hikari.HikariDataSource', 'HikariPool-1 - Start completed.'),
      log(
        at(6.3),
        'INFO',
        'main',
        'o.f.core.internal.command.DbValidate',
        `Successfully validated 42 migrations (execution time 00:00.061s)`,
      ),
      log(
        at(6.4),
        'INFO',
        'main',
        'o.f.core.internal.command.DbMigrate',
        `Current version of schema "public": 42`,
      ),
      log(
        at(8.8),
        'INFO',
        'main',
        'o.s.b.w.embedded.tomcat.TomcatWebServer',
        "Tomcat started on port 8080 (http) with context path '/'",
      ),
      log(
        at(8.9),
        'INFO',
        'main',
        'd.f.api.FlashApiApplicationKt',
        `Started FlashApiApplicationKt in 8.${600 + pick(key, 300)} seconds (process running for 9.${100 + pick(key, 800)})`,
      ),
      log(
        at(70),
        'INFO',
        'hold-sweeper-1',
        'd.f.api.seat.HoldSweeper',
        `released ${1 + pick(`${key}/h1`, 6)} expired seat holds (env=${env})`,
      ),
      log(
        at(130),
        'INFO',
        'hold-sweeper-1',
        'd.f.api.seat.HoldSweeper',
        `released ${pick(`${key}/h2`, 4)} expired seat holds (env=${env})`,
      ),
    ].join('\n') + '\n'
  );
}

export function flashGateway(start: number, version: string, key: string): string {
  const log = spring('flash-gateway');
  const at = (s: number) => start + Math.round(s * 1000);
  return (
    [
      banner('3.3.4'),
      log(
        at(1.1),
        'INFO',
        'main',
        'd.f.gateway.FlashGatewayApplicationKt',
        `Starting FlashGatewayApplicationKt v${version} using Java 21.0.4 with PID 1 (/app/app.jar started by app in /app)`,
      ),
      log(
        at(3.2),
        'INFO',
        'main',
        'o.s.c.g.r.RouteDefinitionRouteLocator',
        'Loaded RoutePredicateFactory [Path]',
      ),
      log(
        at(3.2),
        'INFO',
        'main',
        'o.s.c.g.r.RouteDefinitionRouteLocator',
        'Loaded RoutePredicateFactory [Method]',
      ),
      log(
        at(4.6),
        'INFO',
        'main',
        'o.s.b.web.embedded.netty.NettyWebServer',
        'Netty started on port 8080 (http)',
      ),
      log(
        at(4.7),
        'INFO',
        'main',
        'd.f.gateway.FlashGatewayApplicationKt',
        `Started FlashGatewayApplicationKt in 4.${400 + pick(key, 500)} seconds (process running for 5.${pick(key, 900) + 100})`,
      ),
      log(
        at(5.0),
        'INFO',
        'main',
        'd.f.gateway.routes.RouteConfig',
        'routes: /api/** -> http://flash-api:8080, /pay/** -> http://flash-api:8080/payments',
      ),
    ].join('\n') + '\n'
  );
}

export function flashPayWorker(
  start: number,
  version: string,
  env: string,
  provider: string,
  key: string,
): string {
  const line = (s: number, msg: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ time: ms(start + Math.round(s * 1000)), level: 'INFO', msg, ...extra });
  const out = [
    line(0.01, 'starting flash-pay-worker', { version, env }),
    line(0.04, 'payment provider configured', { provider }),
    line(0.09, 'connected to queue', { url: 'redis://redis.flash-tickets.internal:6379/0' }),
    line(0.1, 'metrics listening', { addr: ':9090' }),
    line(0.1, 'consumer started', { queue: 'payments', concurrency: 4 }),
  ];
  for (let i = 0; i < 3; i++)
    out.push(
      line(40 + i * 95 + pick(`${key}/${i}`, 30), 'payment settled', {
        order: `FT-${env.slice(6, 7).toUpperCase()}${100000 + pick(`${key}/o${i}`, 900000)}`,
        amount: 44000 + pick(`${key}/a${i}`, 4) * 11000,
        provider,
        ms: 180 + pick(`${key}/m${i}`, 400),
      }),
    );
  return out.join('\n') + '\n';
}

export function nextjs(start: number, version: string, key: string): string {
  return `  ▲ Next.js ${version}
  - Local:        http://0.0.0.0:3000
  - Network:      http://0.0.0.0:3000

 ✓ Starting...
 ✓ Ready in ${180 + pick(key, 400)}ms
`;
}

export function mysqld(start: number, version: string, key: string): string {
  const day = (t: number) =>
    ms(t)
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, '+00:00');
  const t = (s: number) => nanos(start + Math.round(s * 1000), `${key}/${s}`).replace(/(\.\d{6})\d*Z/, '$1Z');
  return `${day(start)} [Note] [Entrypoint]: Entrypoint script for MySQL Server ${version}-1.el9 started.
${day(start)} [Note] [Entrypoint]: Switching to dedicated user 'mysql'
${day(start)} [Note] [Entrypoint]: Entrypoint script for MySQL Server ${version}-1.el9 started.
${t(1.1)} 0 [System] [MY-015015] [Server] MySQL Server - start.
${t(1.4)} 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld ${version}) starting as process 1
${t(1.41)} 1 [System] [MY-013576] [InnoDB] InnoDB initialization has started.
${t(2.2)} 1 [System] [MY-013577] [InnoDB] InnoDB initialization has ended.
${t(2.5)} 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.
${t(2.5)} 0 [System] [MY-013602] [Server] Channel mysql_main configured to support TLS. Encrypted connections are now supported for this channel.
${t(2.53)} 0 [System] [MY-011323] [Server] X Plugin ready for connections. Bind-address: '::' port: 33060, socket: /var/run/mysqld/mysqlx.sock
${t(2.53)} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '${version}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.
`;
}

export function grafana(start: number, version: string, key: string): string {
  const t = (s: number) => nanos(start + Math.round(s * 1000), `${key}/${s}`);
  return `logger=settings t=${t(0.02)} level=info msg="Starting Grafana" version=${version} commit=${hex(`grafana/${version}`, 10)} branch=HEAD compiled=${ms(start).slice(0, 10)}T00:00:00Z
logger=sqlstore t=${t(0.05)} level=info msg="Connecting to DB" dbtype=sqlite3
logger=migrator t=${t(0.31)} level=info msg="migrations completed" performed=0 skipped=${640 + pick(version, 40)} duration=1.41ms
logger=provisioning.datasources t=${t(1.2)} level=info msg="inserting datasource from configuration" name=Prometheus uid=${hex(`${key}/ds`, 14)}
logger=http.server t=${t(1.5)} level=info msg="HTTP Server Listen" address=[::]:3000 protocol=http subUrl= socket=
logger=infra.usagestats t=${t(62)} level=info msg="Usage stats are ready to report"
`;
}

const slog =
  (start: number) =>
  (s: number, src: string, msg: string, extra = '') =>
    `time=${ms(start + Math.round(s * 1000))} level=INFO source=${src} msg="${msg}"${extra ? ` ${extra}` : ''}`;

export function prometheus(start: number, version: string): string {
  const l = slog(start);
  return (
    [
      l(
        0,
        'main.go:715',
        'Starting Prometheus Server',
        `mode=server version="(version=${version}, branch=HEAD, revision=${hex(`prom/${version}`, 40)})"`,
      ),
      l(
        0.01,
        'main.go:720',
        'operational information',
        'build_context="(go=go1.24.3, platform=linux/amd64, user=root@buildkitsandbox, date=20250611-14:21:35, tags=netgo,builtinassets,stringlabels)" host_details="(Linux 6.8.0-71-generic x86_64 prometheus-kube-prometheus-stack-prometheus-0 (none))" fd_limits="(soft=1048576, hard=1048576)" vm_limits="(soft=unlimited, hard=unlimited)"',
      ),
      l(0.4, 'head.go:733', 'Replaying on-disk memory mappable chunks if any', 'component=tsdb'),
      l(
        6.8,
        'head.go:879',
        'WAL replay completed',
        'component=tsdb checkpoint_replay_duration=412.118ms wal_replay_duration=5.917s total_replay_duration=6.402s',
      ),
      l(6.9, 'main.go:1290', 'TSDB started'),
      l(
        6.9,
        'main.go:1475',
        'Loading configuration file',
        'filename=/etc/prometheus/config_out/prometheus.env.yaml',
      ),
      l(
        7.0,
        'main.go:1515',
        'Completed loading of configuration file',
        'db_storage=1.1µs remote_storage=1.6µs web_handler=420ns query_engine=830ns scrape=412.3µs scrape_sd=1.01ms notify=88.1µs notify_sd=41.7µs rules=61.2ms tracing=6.2µs filename=/etc/prometheus/config_out/prometheus.env.yaml totalDuration=64.8ms',
      ),
      l(7.0, 'main.go:1251', 'Server is ready to receive web requests.'),
      l(7.0, 'manager.go:176', 'Starting rule manager...', 'component="rule manager"'),
    ].join('\n') + '\n'
  );
}

export function alertmanager(start: number, version: string): string {
  const l = slog(start);
  return (
    [
      l(
        0,
        'main.go:191',
        'Starting Alertmanager',
        `version="(version=${version}, branch=HEAD, revision=${hex(`am/${version}`, 40)})"`,
      ),
      l(
        0.01,
        'main.go:192',
        'Build context',
        'build_context="(go=go1.23.7, platform=linux/amd64, user=root@buildkitsandbox, date=20250307-15:05:18, tags=netgo)"',
      ),
      l(
        0.1,
        'coordinator.go:112',
        'Loading configuration file',
        'component=configuration file=/etc/alertmanager/config_out/alertmanager.env.yaml',
      ),
      l(
        0.1,
        'coordinator.go:125',
        'Completed loading of configuration file',
        'component=configuration file=/etc/alertmanager/config_out/alertmanager.env.yaml',
      ),
      l(0.11, 'tls_config.go:347', 'Listening on', 'address=[::]:9093'),
      l(0.11, 'tls_config.go:350', 'TLS is disabled.', 'http2=false address=[::]:9093'),
    ].join('\n') + '\n'
  );
}

export function configReloader(start: number, version: string, watched: string): string {
  const l = slog(start);
  return (
    [
      l(
        0,
        'main.go:145',
        'Starting prometheus-config-reloader',
        `version="(version=${version}, branch=, revision=${hex(`rel/${version}`, 8)})"`,
      ),
      l(0.02, 'reloader.go:282', 'reloading via HTTP'),
      l(0.02, 'main.go:208', 'Starting web server for metrics', 'listen=:8080'),
      l(
        1.5,
        'reloader.go:330',
        'Reload triggered',
        `cfg_in=${watched} cfg_out=${watched.replace(/\.gz$/, '')}`,
      ),
    ].join('\n') + '\n'
  );
}

export function prometheusOperator(start: number, version: string): string {
  const l = slog(start);
  return (
    [
      l(
        0,
        'main.go:213',
        'Starting Prometheus Operator',
        `version="(version=${version}, branch=, revision=${hex(`op/${version}`, 8)})" build_context="(go=go1.24.4, platform=linux/amd64, user=, date=, tags=unknown)"`,
      ),
      l(0.3, 'server.go:293', 'starting secure server', 'address=[::]:10250 http2=false'),
      l(1.1, 'operator.go:412', 'successfully synced all caches', 'component=prometheus-controller'),
      l(1.1, 'operator.go:376', 'successfully synced all caches', 'component=alertmanager-controller'),
      l(
        1.4,
        'operator.go:1025',
        'sync prometheus',
        'component=prometheus-controller key=monitoring/kube-prometheus-stack-prometheus',
      ),
      l(
        1.5,
        'operator.go:701',
        'sync alertmanager',
        'component=alertmanager-controller key=monitoring/kube-prometheus-stack-alertmanager',
      ),
    ].join('\n') + '\n'
  );
}

export function kubeStateMetrics(start: number, version: string): string {
  const k = (s: number, file: string, msg: string) => {
    const d = new Date(start + Math.round(s * 1000));
    const mmdd = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
    const time = d.toISOString().slice(11, 23) + '000';
    return `I${mmdd} ${time}       1 ${file}] ${msg}`;
  };
  return (
    [
      k(0, 'wrapper.go:120', `"Starting kube-state-metrics"`),
      k(0.01, 'server.go:218', `"Used default resources"`),
      k(0.01, 'types.go:227', `"Using all namespaces"`),
      k(0.02, 'server.go:253', `"Running with version" version="v${version}"`),
      k(0.1, 'server.go:380', `"Started metrics server" metricsServerAddress="[::]:8080"`),
      k(
        0.1,
        'server.go:369',
        `"Started kube-state-metrics self metrics server" telemetryAddress="[::]:8081"`,
      ),
    ].join('\n') + '\n'
  );
}

export function nodeExporter(start: number, version: string): string {
  const l = slog(start);
  return (
    [
      l(
        0,
        'node_exporter.go:216',
        'Starting node_exporter',
        `version="(version=${version}, branch=HEAD, revision=${hex(`ne/${version}`, 40)})"`,
      ),
      l(
        0.01,
        'filesystem_common.go:265',
        'Parsed flag --collector.filesystem.mount-points-exclude',
        'collector=filesystem flag=^/(dev|proc|sys|var/lib/docker/.+|var/lib/kubelet/.+)($|/)',
      ),
      l(0.02, 'node_exporter.go:135', 'Enabled collectors'),
      l(0.03, 'tls_config.go:347', 'Listening on', 'address=[::]:9100'),
    ].join('\n') + '\n'
  );
}
