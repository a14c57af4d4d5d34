/** The exit codes of `capstan`, one per kind of outcome, so scripts can tell them apart. */
export enum ExitCode {
  Ok = 0,
  Unexpected = 1,
  /** A usage error, or the hub answered INVALID_ARGUMENT. */
  InvalidInput = 2,
  /** The hub answered NOT_FOUND (or a context does not exist). */
  NotFound = 3,
  /** The hub answered UNAUTHENTICATED or PERMISSION_DENIED, or there is no token. */
  Unauthorized = 4,
  /** The hub could not be reached: connection refused, DNS, timeout, a gateway error. */
  Unreachable = 5,
  /** The hub answered CONFLICT. */
  Conflict = 6,
  /** A followed rollout ended Failed, RolledBack, Aborted or Superseded. */
  RolloutUnsuccessful = 7,
  /** A watch was stopped with Ctrl-C. */
  Interrupted = 130,
}

/** What `capstan --help` says about exit codes; the README repeats it. */
export const exitCodeHelp = [
  'Exit codes:',
  '  0    ok',
  '  1    unexpected error',
  '  2    invalid input (a usage error, or INVALID_ARGUMENT from the hub)',
  '  3    not found (NOT_FOUND)',
  '  4    unauthenticated or permission denied (UNAUTHENTICATED, PERMISSION_DENIED)',
  '  5    hub unreachable (connection refused, DNS, timeout)',
  '  6    conflict (CONFLICT)',
  '  7    the followed rollout ended Failed, RolledBack, Aborted or Superseded',
  '  130  a watch interrupted',
].join('\n');

/** An error meant for the person at the terminal: printed as `capstan: <message>`, without a stack, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  static invalid(message: string): CliError {
    return new CliError(ExitCode.InvalidInput, message);
  }
}

/** The exit code of each `extensions.code` the hub sends (see apps/hub/src/common/capstan.exception.ts). */
const exitCodeOfHubCode: Readonly<Record<string, ExitCode>> = {
  INVALID_ARGUMENT: ExitCode.InvalidInput,
  NOT_FOUND: ExitCode.NotFound,
  UNAUTHENTICATED: ExitCode.Unauthorized,
  PERMISSION_DENIED: ExitCode.Unauthorized,
  CONFLICT: ExitCode.Conflict,
  INTERNAL: ExitCode.Unexpected,
};

/** The exit code for a GraphQL error code; codes the CLI does not know are unexpected. */
export function exitCodeForHubCode(code: string | undefined): ExitCode {
  return (code !== undefined && exitCodeOfHubCode[code]) || ExitCode.Unexpected;
}
