import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * molectl never touches the CP's database: a raw-SQL delete once left EC2 instances running and
 * skipped the audit trail. Having no database client at all is what makes that impossible.
 */

const root = new URL('../../', import.meta.url).pathname;
const DB_PACKAGE =
  /^(pg|pg-[a-z-]+|postgres|postgres-[a-z-]+|@neondatabase\/.*|mysql2?|mariadb|sqlite3?|better-sqlite3|@libsql\/.*|libsql|knex|sequelize|typeorm|@prisma\/client|prisma|drizzle-orm|kysely|slonik|pg-promise|tedious|oracledb|mongodb|mongoose)$/;

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return /\.(ts|js|sh|mjs|cjs)$/.test(entry.name) || !entry.name.includes('.') ? [path] : [];
  });
}

describe('no database client', () => {
  it('package-lock.json holds no database driver or ORM, direct or transitive', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    const names = Object.keys(lock.packages).map((path) => path.replace(/^.*node_modules\//, ''));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => DB_PACKAGE.test(n))).toEqual([]);
  });

  it('package.json declares none', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap((k) =>
      Object.keys(pkg[k] ?? {}),
    );
    expect(declared.filter((n) => DB_PACKAGE.test(n))).toEqual([]);
  });

  it('no source runs psql or another SQL shell, or imports a driver', () => {
    const offenders: string[] = [];
    for (const file of listSources(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      if (/\b(psql|pg_dump|mysql|sqlite3)\b/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')))
        offenders.push(`${file}: SQL shell`);
      if (
        /(from\s+|import\(\s*|require\(\s*)['"](pg|postgres|mysql2?|sqlite3|better-sqlite3|knex|@prisma\/client)['"]/.test(
          text,
        )
      )
        offenders.push(`${file}: driver import`);
    }
    expect(offenders).toEqual([]);
  });
});
