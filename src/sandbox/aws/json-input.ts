import { AwsApiError } from './aws-api-error.js';

/**
 * Typed readers for JSON-protocol request members. They answer with the service's
 * validation error instead of trusting the shape, because molectl's bugs should surface here
 * the way they would against AWS.
 */

export type JsonInput = Record<string, unknown>;

export function readString(input: JsonInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be a string');
  return value;
}

export function requireString(input: JsonInput, name: string): string {
  const value = readString(input, name);
  if (value === undefined || value === '') {
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function readNumber(input: JsonInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(name, 'must be a number');
  return value;
}

export function readBoolean(input: JsonInput, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(name, 'must be a boolean');
  return value;
}

export function readStringList(input: JsonInput, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalid(name, 'must be a list of strings');
  return value as string[];
}

export function readObjectList(input: JsonInput, name: string): JsonInput[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => !v || typeof v !== 'object'))
    throw invalid(name, 'must be a list of structures');
  return value as JsonInput[];
}

export function readObject(input: JsonInput, name: string): JsonInput | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(name, 'must be a structure');
  return value as JsonInput;
}

function invalid(name: string, what: string): AwsApiError {
  return new AwsApiError('SerializationException', `Member ${name} ${what}.`);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
