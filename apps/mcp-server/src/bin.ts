/**
 * `sms-consistency-mcp`: stdio by default, `--http` for Streamable HTTP, `--emulator` to act against an
 * in-process emulator. stdout carries only JSON-RPC; everything else goes to stderr.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as Region from "@sms-consistency/sms/Region"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as SmsError from "@sms-consistency/sms/SmsError"
import * as Transport from "@sms-consistency/sms/Transport"
import { parseDuration } from "@sms-consistency/sms/internal/duration"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { parseArgs } from "node:util"
import * as Http from "./Http.js"
import { type App, exportRootFrom, exportSettingFrom, name, version } from "./internal/app.js"
import * as EmulatorSettings from "./internal/emulatorSettings.js"
import * as ExportFolder from "./internal/exportFolder.js"
import * as Format from "./internal/format.js"
import * as InvalidParams from "./internal/invalidParams.js"
import * as Logging from "./internal/logging.js"
import * as StdioLines from "./internal/stdioLines.js"
import * as Server from "./Server.js"

const usage = `${name} ${version}: SMS consistency-result export as MCP tools

Usage: ${name} [--http [--port N] [--host 127.0.0.1]] [--emulator]

  (no flags)     serve MCP over stdio
  --http         serve Streamable HTTP (stateless) at http://<host>:<port>/mcp
  --port N       HTTP port (default 0: a free port, printed on stderr)
  --host H       HTTP bind address (default 127.0.0.1); beyond loopback only with SMS_MCP_TOKEN set
  --emulator     start the in-process SMS emulator and act against it (no cloud account needed)
  --help, --version

Environment:
  SMS_REGION or SMS_ENDPOINT        where to call (HUAWEICLOUD_SDK_REGION also works)
  HUAWEICLOUD_SDK_AK / _SK          AK/SK credentials (optionally _SECURITY_TOKEN, _DOMAIN_ID, _PROJECT_ID),
  SMS_AUTH_TOKEN                    or an IAM token, or ~/.huaweicloud/credentials
  HUAWEICLOUD_SDK_IAM_ENDPOINT      IAM endpoint for the domain-id look-up
  SMS_EXPORT_DIR                    export folder (default <temp>/sms-consistency-exports); checked at start
                                    (a warning) and before each export (an error, nothing sent)
  SMS_TIMEOUT                       per-attempt timeout of a call to the service: seconds, or with a unit
                                    (500ms, 30s, 2m, 1h), at most 1h; default 30s
  SMS_RETRIES                       retries of a transient failure (429, 5xx, network, timeout), 0 to 10;
                                    default 3
  SMS_MCP_TOKEN                     with --http: bearer token every request must carry
  SMS_MCP_ALLOWED_HOSTS             with --http: more Host names to accept, comma-separated (the names
                                    clients reach this server by, e.g. behind --host 0.0.0.0)

With --emulator, the emulator's settings (an invalid one stops the server at start):
${EmulatorSettings.helpLines("  ", 34)}
`

interface Args {
  readonly http: boolean
  readonly port: number
  readonly host: string
  readonly emulator: boolean
  readonly help: boolean
  readonly version: boolean
}

const options = {
  http: { type: "boolean", default: false },
  port: { type: "string" },
  host: { type: "string" },
  emulator: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false }
} as const

const knownFlags = Object.keys(options)
  .map((flag) => `--${flag}`)
  .join(", ")

const seeHelp = `(see ${name} --help)`

/** `parseArgs`'s complaint on one line: the flag and what is wrong, or the flags there are. */
const reworded = (message: string): string => {
  const unknown = /^Unknown option '([^']*)'/.exec(message)
  if (unknown) return `unknown option ${unknown[1]} (the options are ${knownFlags})`
  const positional = /^Unexpected argument '([^']*)'/.exec(message)
  if (positional) return `unexpected argument ${positional[1]}: this command takes options only (${knownFlags})`
  const flag = /^Option '(-[^ ']*)[^']*' argument (missing|is ambiguous)/.exec(message)
  if (flag?.[2] === "missing") return `${flag[1]} needs a value ${seeHelp}`
  if (flag) return `${flag[1]} needs a value (one that starts with "-" is written ${flag[1]}=VALUE)`
  return `${message.split("\n")[0]} ${seeHelp}`
}

const parse = (argv: ReadonlyArray<string>): Either.Either<Args, string> => {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
    const port = values.port === undefined ? 0 : /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN
    if (!(port >= 0 && port <= 65535))
      return Either.left(`--port must be a whole number from 0 to 65535 (got ${JSON.stringify(values.port)})`)
    if ((values.port !== undefined || values.host !== undefined) && !values.http)
      return Either.left(`--port and --host need --http ${seeHelp}`)
    return Either.right({
      http: values.http,
      port,
      host: values.host ?? "127.0.0.1",
      emulator: values.emulator,
      help: values.help,
      version: values.version
    })
  } catch (error) {
    return Either.left(reworded(error instanceof Error ? error.message : String(error)))
  }
}

/** `127.x.x.x`, `::1`, `localhost`: reachable from this machine only. */
const isLoopback = (host: string): boolean =>
  /^127(\.\d{1,3}){3}$/.test(host) || host === "::1" || host === "[::1]" || host.toLowerCase() === "localhost"

/**
 * Serving beyond loopback hands the tools (which act with this server's cloud credentials) and the exported files
 * to whoever reaches the port: only with a bearer token every request must carry.
 */
const exposed = (args: Args, env: NodeJS.ProcessEnv): Either.Either<Args, string> =>
  args.http && !isLoopback(args.host) && !env.SMS_MCP_TOKEN
    ? Either.left(
        `--host ${args.host} is reachable from other machines: set SMS_MCP_TOKEN (a bearer token every request must ` +
          "carry) to serve beyond loopback"
      )
    : Either.right(args)

/** How the client times and retries its calls (`SMS_TIMEOUT`, `SMS_RETRIES`); unset, the core's defaults. */
interface ClientSettings {
  readonly timeout?: Duration.Duration | undefined
  readonly retries?: number | undefined
}

/** The longest `SMS_TIMEOUT`: beyond it a call is more likely stuck than slow. */
const maxTimeout = Duration.hours(1)

/** Seconds, or with a unit (`500ms`, `30s`, `2m`, `1h`), as the CLI's --timeout; at least 1 ms. */
const parseTimeout = (raw: string): Duration.Duration | undefined =>
  Option.getOrUndefined(Option.filter(parseDuration(raw), (d) => Duration.toMillis(d) >= 1))

/**
 * `SMS_TIMEOUT` and `SMS_RETRIES`, checked before the server starts: a typo is a startup error naming the variable,
 * not a default silently kept. MCP clients give up on a request after ~60 s by default, while the core's defaults
 * let a slow service take 30 s × 4 attempts.
 */
const clientSettings = (env: NodeJS.ProcessEnv): Either.Either<ClientSettings, string> => {
  const rawTimeout = env.SMS_TIMEOUT?.trim() ? env.SMS_TIMEOUT : undefined
  const rawRetries = env.SMS_RETRIES?.trim() ? env.SMS_RETRIES : undefined
  const timeout = rawTimeout === undefined ? undefined : parseTimeout(rawTimeout)
  if (rawTimeout !== undefined && (timeout === undefined || Duration.greaterThan(timeout, maxTimeout)))
    return Either.left(
      `SMS_TIMEOUT must be seconds or a duration like 500ms, 30s, 2m, 1h, at most 1 hour (got ${JSON.stringify(rawTimeout)})`
    )
  const retries =
    rawRetries === undefined ? undefined : /^\s*\d{1,2}\s*$/.test(rawRetries) ? Number(rawRetries) : Number.NaN
  if (retries !== undefined && !(retries >= 0 && retries <= 10))
    return Either.left(`SMS_RETRIES must be a whole number from 0 to 10 (got ${JSON.stringify(rawRetries)})`)
  return Either.right({ timeout, retries })
}

/** A client that answers every call with the configuration problem (the server still starts and lists tools). */
const unconfigured = (error: SmsError.SmsError, info: SmsClient.Info) =>
  Layer.succeed(
    SmsClient.SmsClient,
    SmsClient.SmsClient.of({
      info,
      exportConsistencyResults: () => Effect.fail(error),
      exportConsistencyResultsToFile: () => Effect.fail(error),
      listSources: () => Effect.fail(error),
      listAllSources: () => Effect.fail(error),
      listTasks: () => Effect.fail(error),
      showConsistencyResult: () => Effect.fail(error)
    })
  )

/**
 * A client over Node's `http`, as the CLI's: a long download peaks lower (a 400 MiB export at ~120 MB, where undici,
 * whose parser is WebAssembly, took ~230 MB). An assistant's calls are few: undici's higher request rate buys
 * nothing here.
 */
const clientLayer = (options: SmsClient.Options) =>
  SmsClient.layerWithTransport(options).pipe(Layer.provide(Transport.nodeHttp))

/** Region/endpoint and credentials exactly as the core reads them; problems are kept, not fatal. */
const clientFromEnvironment = (settings: ClientSettings) =>
  Effect.gen(function* () {
    // No region given: said in the server's terms (its environment), not the library's (a `region` option).
    const region = yield* Effect.either(
      Effect.mapError(Region.resolve({}), (e) =>
        e._tag === "InvalidRequest" && e.field === "region" && e.reason === Region.regionNotSet("the region option")
          ? new SmsError.InvalidRequest({ field: "region", reason: Region.regionNotSet() })
          : e
      )
    )
    const credentials = yield* Effect.either(Credentials.load)
    if (Either.isRight(region) && Either.isRight(credentials))
      return clientLayer({ ...region.right, credentials: credentials.right, ...settings })
    // A problem as its own kind (a bad region is not missing credentials, and its hint is not to set an AK/SK);
    // both at once, as missing credentials whose reason names both.
    const problems: Array<SmsError.SmsError> = [
      ...Option.toArray(Either.getLeft(region)),
      ...Option.toArray(Either.getLeft(credentials))
    ]
    const error: SmsError.SmsError =
      problems.length === 1 && problems[0] !== undefined
        ? problems[0]
        : new SmsError.MissingCredentials({
            reason: `Not configured: ${problems.map((p) => `${p.message}.`).join(" ")}`
          })
    yield* Effect.logWarning(`${error.message} Tools are listed; calls will report this.`)
    return unconfigured(error, {
      endpoint: Either.isRight(region) ? region.right.endpoint : "(no valid endpoint configured)",
      region: Either.isRight(region) ? region.right.region : undefined,
      identity: Either.isRight(credentials) ? Credentials.describe(credentials.right) : "(no credentials configured)"
    })
  })

const clientFromEmulator = (handle: Emulator.EmulatorHandle, settings: ClientSettings) =>
  clientLayer({
    endpoint: handle.url,
    iamEndpoint: handle.url,
    credentials: new Credentials.AkSk({
      ak: handle.credentials.ak,
      sk: handle.credentials.sk,
      domainId: handle.credentials.domainId
    }),
    ...settings
  })

const serveStdio = (app: App) =>
  Effect.async<void>((resume) => {
    const server = Server.make(app)
    // stdin through a line filter that answers what the transport would drop without a word (params: null, a
    // batch, a line that is not JSON); its own writes are the transport's, whole lines on stdout.
    const lines = StdioLines.filter(process.stdin, (answer) => {
      transport.send(answer).catch(() => undefined)
    })
    const transport = new StdioServerTransport(lines)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      // As the transport did when it read stdin itself: stdin no longer holds the process.
      process.stdin.unpipe()
      process.stdin.pause()
      resume(Effect.void)
    }
    server.onclose = finish
    // What the transport says went wrong (a line over its 10 MiB limit, after which it closes; a response it could
    // not send): on stderr, not silently.
    server.onerror = (error) => {
      Runtime.runFork(app.runtime)(Effect.logWarning(`stdio: ${error.message.replace(/\s+/g, " ")}`))
    }
    // stdin's end, once its last line has reached the transport.
    lines.once("end", () => {
      void server.close().finally(finish)
    })
    InvalidParams.connect(server, transport).catch(finish)
    // Interrupted (SIGTERM, SIGINT): the calls in flight are stopped and answered first, then the connection goes.
    return Effect.zipRight(
      Server.stopAll(app),
      Effect.promise(() => server.close().catch(() => undefined))
    )
  })

const waitForSignal = Effect.async<void>((resume) => {
  const stop = () => resume(Effect.void)
  process.once("SIGTERM", stop)
  return Effect.sync(() => process.off("SIGTERM", stop))
})

/**
 * The emulator `--emulator` acts against. A port or host it cannot listen on is said with the variables that set
 * them (the emulator's message names neither).
 */
const startEmulator = (options: Emulator.EmulatorOptions) =>
  Emulator.start(options).pipe(
    Effect.mapError((error) => new Error(`emulator: ${error.message} (SMS_EMULATOR_HOST, SMS_EMULATOR_PORT)`))
  )

const main = (args: Args, settings: ClientSettings, emulatorOptions: Emulator.EmulatorOptions | undefined) =>
  Effect.gen(function* () {
    const emulator = emulatorOptions === undefined ? undefined : yield* startEmulator(emulatorOptions)
    const clientLayer = emulator ? clientFromEmulator(emulator, settings) : yield* clientFromEnvironment(settings)
    const runtime = yield* Layer.toRuntime(Layer.merge(clientLayer, Logging.layer))
    const info = Context.get(runtime.context, SmsClient.SmsClient).info
    const app: App = {
      runtime,
      info,
      exportRoot: exportRootFrom(process.env),
      exportSetting: exportSettingFrom(process.env),
      logLevel: { current: "info" },
      inFlight: new Map()
    }
    // On SIGTERM or SIGINT (which interrupt this fiber), before the client and the process go: the calls in
    // flight run outside this fiber, and would otherwise be cut off mid-write, leaving their temporary files.
    yield* Effect.addFinalizer(() => Server.stopAll(app))
    if (emulator) yield* Effect.logInfo(`emulator listening at ${emulator.url}`)
    yield* Effect.logInfo(`${name} ${version}: ${Format.willActAs(info)} Exports go to ${app.exportRoot}.`)
    // Not fatal (listing works, and the user may fix it while the server runs); every export checks it again.
    const cannot = yield* ExportFolder.unusable(app.exportRoot)
    if (cannot !== undefined)
      yield* Effect.logWarning(
        `${app.exportSetting} cannot be used: ${cannot}. Tools are listed; exports will fail until SMS_EXPORT_DIR ` +
          "names a folder this server can create and write to."
      )
    if (!args.http) return yield* serveStdio(app)
    const token = process.env.SMS_MCP_TOKEN ? Redacted.make(process.env.SMS_MCP_TOKEN) : undefined
    const allowedHosts = (process.env.SMS_MCP_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "")
    const bound = yield* Http.serve(app, { host: args.host, port: args.port, token, allowedHosts })
    // Before the HTTP server closes its connections (finalizers run last first): the calls in flight are answered.
    yield* Effect.addFinalizer(() => Server.stopAll(app))
    yield* Effect.logInfo(`listening at ${bound.url}${token ? " (bearer token required)" : ""}`)
    yield* waitForSignal
  })

/** One line, as the CLI's usage errors are; the usage is a --help away. */
const usageError = (message: string) =>
  Effect.sync(() => {
    process.stderr.write(`${name}: ${message}\n`)
    process.exitCode = 2
  })

const program = Either.match(
  Either.flatMap(parse(process.argv.slice(2)), (args) => exposed(args, process.env)),
  {
    onLeft: usageError,
    onRight: (args) =>
      args.help
        ? Effect.sync(() => process.stdout.write(usage))
        : args.version
          ? Effect.sync(() => process.stdout.write(`${version}\n`))
          : Either.match(
              Either.all([
                clientSettings(process.env),
                args.emulator ? EmulatorSettings.fromEnv(process.env) : Either.right(undefined)
              ]),
              {
                onLeft: usageError,
                onRight: ([settings, emulatorOptions]) =>
                  main(args, settings, emulatorOptions).pipe(
                    Effect.scoped,
                    Effect.tapErrorCause((cause) =>
                      Effect.sync(() => {
                        const failure = Cause.failureOption(cause)
                        process.stderr.write(
                          `${name}: ${failure._tag === "Some" && failure.value instanceof Error ? failure.value.message : Cause.pretty(cause)}\n`
                        )
                      })
                    )
                  )
              }
            )
  }
)

NodeRuntime.runMain(program.pipe(Effect.provide(Logging.layer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true
})
