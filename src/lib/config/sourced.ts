/** The layers a setting can come from, lowest first in the usual chain (see load-config.ts). */
export type Layer = 'default' | 'file' | 'env' | 'flag' | 'aws-env' | 'profile';

export interface Sourced<T> {
  value: T;
  source: Layer;
  /** Which file, variable or flag, for `config show`. */
  origin: string;
}
