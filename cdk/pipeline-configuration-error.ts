import type { IConstruct } from 'constructs';
import { AsyncSinkError } from '../lib/core/errors.js';

/** Props that cannot work together, found when the construct is built; the message says what to change. */
export class PipelineConfigurationError extends AsyncSinkError {
  override readonly name = 'PipelineConfigurationError';
  readonly code = 'PIPELINE_CONFIGURATION';
  /** The path of the construct whose props are wrong. */
  readonly constructPath: string;

  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.constructPath = scope.node.path;
  }
}
