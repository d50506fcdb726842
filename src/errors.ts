// Errors raised at the library's boundary (public API, file formats). Each message says what is
// wrong and how to fix it, in one line; the CLI prints it as is.

export class RnnlabError extends Error {
  override name = "RnnlabError";
}

/** A tensor or buffer has the wrong shape or length for where it was passed. */
export class ShapeError extends RnnlabError {
  override name = "ShapeError";
}

/** A file or serialized object is malformed, truncated or of another kind. */
export class FormatError extends RnnlabError {
  override name = "FormatError";
}

/** A value is not a finite number where one is required (NaN in an input or a loss). */
export class NumericError extends RnnlabError {
  override name = "NumericError";
}

/** A configuration value is invalid. */
export class ConfigError extends RnnlabError {
  override name = "ConfigError";
}

/** A method was called out of order (backward before forward, say). */
export class StateError extends RnnlabError {
  override name = "StateError";
}

/** The GPU refused or lost the work: a buffer over the adapter's limits, a failed dispatch, a lost
 *  device (WebGPU). */
export class DeviceError extends RnnlabError {
  override name = "DeviceError";
}
