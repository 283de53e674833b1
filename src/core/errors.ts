/**
 * One error base for everything the project raises on purpose. `code` is stable and machine-readable,
 * `status` is the HTTP status a caller should see, and the message is written for a person.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: { status?: number; cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 500;
    this.details = opts.details;
  }

  /** Works across bundles and realms, where `instanceof` does not. */
  static isInstance(e: unknown): e is AppError {
    return typeof e === "object" && e !== null && (e as { [appErrorMark]?: boolean })[appErrorMark] === true;
  }
}
const appErrorMark = Symbol.for("recagent.AppError");
Object.defineProperty(AppError.prototype, appErrorMark, { value: true });

/** The caller asked for something invalid: unknown name, value out of range, missing argument. */
export class InputError extends AppError {
  constructor(message: string, details?: unknown) {
    super("invalid_input", message, { status: 400, details });
  }
}

/** A data file is missing or malformed; names the file and, when known, the 1-based line. */
export class DataFormatError extends AppError {
  readonly file: string;
  readonly line?: number;
  constructor(file: string, line: number | undefined, problem: string, cause?: unknown) {
    super("data_format", line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`, { status: 400, cause });
    this.file = file;
    this.line = line;
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super("not_found", message, { status: 404 });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super("conflict", message, { status: 409 });
  }
}

/** The deployment cannot do this (e.g. writes on a read-only edge deployment). */
export class NotSupportedError extends AppError {
  constructor(message: string) {
    super("not_supported", message, { status: 501 });
  }
}
