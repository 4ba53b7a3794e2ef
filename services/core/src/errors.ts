/** One place where a problem in input was found: a JSON path (dotted) and what is wrong there. */
export interface ErrorDetail {
  path: string;
  issue: string;
}

/**
 * The base of every error the product shows to a caller. `status` is the HTTP status it maps to;
 * `expose` says whether `message` may be shown (5xx messages never are).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[];
  readonly expose: boolean;

  constructor(code: string, status: number, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
    this.expose = status < 500;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('VALIDATION_FAILED', 400, message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, code = 'NOT_FOUND') {
    super(code, 404, `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, 409, message);
  }
}

/** The client's If-Match did not name the current version. */
export class PreconditionFailedError extends AppError {
  constructor(current: number) {
    super('VERSION_MISMATCH', 412, `the task has changed: its current version is ${current}`, [
      { path: 'If-Match', issue: `expected version ${current}` },
    ]);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'sign in first: send Authorization: Bearer <token>') {
    super('UNAUTHORIZED', 401, message);
  }
}
