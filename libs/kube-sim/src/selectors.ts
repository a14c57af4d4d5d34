/** List and watch filtering by `labelSelector` and `fieldSelector`, as the API server parses them. */
import { LabelSelectorError, matchesLabelSelector, parseLabelSelector, type LabelSelector } from '@capstan/manifest';
import { badRequest } from './errors';
import { isPlainObject, valueAtPath, type JsonObject } from './json';
import type { ResourceType } from './resource-types';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** A parsed pair of selectors; an object matches when both do. */
export interface ObjectSelector {
  labels: LabelSelector;
  fields: FieldRequirement[];
}

/** Parses `a=b,c!=d` (`==` allowed); only labels the type supports, else 400 as the server says it. */
export function parseFieldSelector(text: string, type: ResourceType): FieldRequirement[] {
  if (!text.trim()) return [];
  return text.split(',').map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field, operator, value] = match;
    const supported = field === 'metadata.name' || (field === 'metadata.namespace' && type.namespaced) || type.fieldLabels.includes(field);
    if (!supported) throw badRequest(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    return { field, operator: operator === '!=' ? '!=' : '=', value };
  });
}

/** Parses both selectors from the query, 400 on bad syntax. */
export function parseObjectSelector(labelSelector: string | undefined, fieldSelector: string | undefined, type: ResourceType): ObjectSelector {
  let labels: LabelSelector;
  try {
    labels = parseLabelSelector(labelSelector ?? '');
  } catch (error) {
    if (error instanceof LabelSelectorError) throw badRequest(`unable to parse requirement: ${error.reason}`);
    throw error;
  }
  return { labels, fields: parseFieldSelector(fieldSelector ?? '', type) };
}

function fieldValue(object: JsonObject, field: string): string {
  const value = valueAtPath(object, field.split('.'));
  if (value === undefined || value === null) return '';
  return isPlainObject(value) ? JSON.stringify(value) : String(value);
}

/** Whether `object` satisfies both selectors. */
export function matchesObjectSelector(selector: ObjectSelector, object: JsonObject): boolean {
  const metadata = object.metadata as JsonObject;
  if (!matchesLabelSelector(selector.labels, metadata.labels as Record<string, string> | undefined)) return false;
  return selector.fields.every((requirement) => (fieldValue(object, requirement.field) === requirement.value) === (requirement.operator === '='));
}

/** Whether the selector selects everything. */
export function selectsEverything(selector: ObjectSelector): boolean {
  return selector.labels.requirements.length === 0 && selector.fields.length === 0;
}
