import { RnnlabError } from "../../src/errors.js";

/** The run store cannot be used as asked: a file that is not a store, one from a newer rnnlab, a
 *  store another process holds too long, an unknown run or sweep. One line, as every RnnlabError. */
export class StoreError extends RnnlabError {
  override name = "StoreError";
}
