import { type Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { IsOptional, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CapstanException } from './capstan.exception';

export const defaultPageSize = 50;
export const maxPageSize = 500;

/** Relay-style forward pagination arguments. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, at most ${maxPageSize} (default ${defaultPageSize})` })
  @IsOptional()
  @Min(1)
  @Max(maxPageSize)
  first?: number;

  @Field({ nullable: true, description: 'Cursor of the last edge already seen' })
  @IsOptional()
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}

/** The GraphQL connection type `<Name>Connection` with edges of `node`. */
export function ConnectionType<T>(node: Type<T>, name: string): Type<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;
  }
  return ConnectionClass;
}

/** Complexity of a connection field: its children once per requested node. */
export function connectionComplexity(options: { args: Record<string, unknown>; childComplexity: number }): number {
  const first = typeof options.args['first'] === 'number' ? options.args['first'] : defaultPageSize;
  return 1 + first * options.childComplexity;
}

interface KeysetOrder<E> {
  /** Column in the query builder's alias, e.g. `cluster.name`; unique and indexed. */
  column: string;
  direction: 'ASC' | 'DESC';
  key: (entity: E) => string;
  /** The column holds integers (an identity, a sequence): a cursor must hold one too. */
  integer?: boolean;
}

const notACursor = () => CapstanException.invalid('after', 'is not a cursor returned by this API for this list');

/** The key a cursor holds, refused unless it could have come from this list (a wrong one would reach the database as a type error). */
function decodeCursor(cursor: string, integer: boolean): string {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw notACursor();
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('k:') || decoded.includes('\u0000') || decoded.includes('\uFFFD')) throw notACursor();
  const key = decoded.slice(2);
  if (integer && !/^\d{1,18}$/.test(key)) throw notACursor();
  return key;
}

const encodeCursor = (key: string): string => Buffer.from(`k:${key}`, 'utf8').toString('base64url');

/**
 * Keyset pagination over a unique column: stable under concurrent inserts, and served by the
 * column's index, unlike OFFSET.
 */
export async function paginate<E extends ObjectLiteral, N>(
  query: SelectQueryBuilder<E>,
  page: PageArgs,
  order: KeysetOrder<E>,
  toNode: (entity: E) => N,
): Promise<Connection<N>> {
  const first = page.first ?? defaultPageSize;
  if (page.after !== undefined && page.after !== null) {
    query.andWhere(`${order.column} ${order.direction === 'ASC' ? '>' : '<'} :pageAfter`, { pageAfter: decodeCursor(page.after, order.integer ?? false) });
  }
  const rows = await query.orderBy(order.column, order.direction).take(first + 1).getMany();
  const edges = rows.slice(0, first).map((row) => ({ cursor: encodeCursor(order.key(row)), node: toNode(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
