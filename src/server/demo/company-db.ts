// The demo company database behind `npm start`: PGlite (PostgreSQL compiled to
// WASM) served over the PostgreSQL wire protocol by pglite-socket, seeded with a
// small but realistic hospital-and-shop schema. Data is generated from a fixed
// seed so every demo shows the same people.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface CompanyDb {
  /** postgres:// URL of the demo database (any user name; PGlite trusts loopback). */
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Elif', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Lena', 'Marco', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tomás', 'Uma', 'Viktor', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Andersen', 'Baptiste', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hansen', 'Ivanova', 'Jensen', 'Kowalski', 'Larsen', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Varga'];
const DIAGNOSES = ['hypertension', 'type 2 diabetes', 'asthma', 'migraine', 'fractured wrist', 'influenza', 'depression', 'anaemia', 'appendicitis', 'pregnancy'];
const CITIES = ['Oslo', 'Lyon', 'Porto', 'Gdańsk', 'Leeds', 'Graz', 'Turku', 'Bilbao'];
const PATIENTS = 3000;

/** The patients flagged `vip` (ids are 1-based serials): the demo watch-lists them. */
export const VIP_PATIENT_IDS: readonly number[] = Array.from({ length: PATIENTS / 500 }, (_, k) => 500 * k + 8);
/** A patient's medical record number. */
export const patientMrn = (id: number): string => `MRN${String(100000 + id - 1)}`;

/** Deterministic PRNG (mulberry32) so the seed data is the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEMA = `
CREATE TABLE patients (
  id serial PRIMARY KEY, mrn text UNIQUE NOT NULL, full_name text NOT NULL,
  date_of_birth date NOT NULL, city text NOT NULL, phone text NOT NULL, vip boolean NOT NULL DEFAULT false);
CREATE TABLE diagnoses (
  id serial PRIMARY KEY, patient_id int NOT NULL REFERENCES patients(id), code text NOT NULL,
  noted_on date NOT NULL);
CREATE TABLE customers (
  id serial PRIMARY KEY, email text UNIQUE NOT NULL, full_name text NOT NULL, city text NOT NULL,
  card_last4 text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE orders (
  id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), total_cents int NOT NULL,
  placed_at timestamptz NOT NULL);
CREATE TABLE employees (
  id serial PRIMARY KEY, full_name text NOT NULL, department text NOT NULL);
CREATE TABLE salaries (
  employee_id int PRIMARY KEY REFERENCES employees(id), annual_eur int NOT NULL);
`;

/** Builds the seed rows: 3,000 patients, 2,000 customers, orders, employees and salaries. */
function seedSql(): string[] {
  const r = rng(20261127);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const name = () => `${pick(FIRST)} ${pick(LAST)}`;
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const day = (from: number, span: number) => new Date(Date.UTC(from, 0, 1) + Math.floor(r() * span) * 86_400_000).toISOString().slice(0, 10);
  const out: string[] = [];
  const rows = (table: string, cols: string, values: string[]) => {
    for (let i = 0; i < values.length; i += 500) out.push(`INSERT INTO ${table} (${cols}) VALUES ${values.slice(i, i + 500).join(',')};`);
  };
  rows('patients', 'mrn, full_name, date_of_birth, city, phone, vip', Array.from({ length: PATIENTS }, (_, i) =>
    `(${q(patientMrn(i + 1))}, ${q(name())}, ${q(day(1940, 365 * 80))}, ${q(pick(CITIES))}, ${q(`+47 ${String(40000000 + Math.floor(r() * 9999999))}`)}, ${VIP_PATIENT_IDS.includes(i + 1)})`));
  rows('diagnoses', 'patient_id, code, noted_on', Array.from({ length: 6000 }, () =>
    `(${1 + Math.floor(r() * PATIENTS)}, ${q(pick(DIAGNOSES))}, ${q(day(2015, 365 * 11))})`));
  rows('customers', 'email, full_name, city, card_last4, created_at', Array.from({ length: 2000 }, (_, i) =>
    `(${q(`customer${i}@example.com`)}, ${q(name())}, ${q(pick(CITIES))}, ${q(String(1000 + Math.floor(r() * 9000)))}, ${q(day(2018, 365 * 8))})`));
  rows('orders', 'customer_id, total_cents, placed_at', Array.from({ length: 5000 }, () =>
    `(${1 + Math.floor(r() * 2000)}, ${500 + Math.floor(r() * 50000)}, ${q(day(2020, 365 * 6))})`));
  const departments = ['cardiology', 'emergency', 'billing', 'support', 'engineering', 'hr'];
  rows('employees', 'full_name, department', Array.from({ length: 120 }, () => `(${q(name())}, ${q(pick(departments))})`));
  rows('salaries', 'employee_id, annual_eur', Array.from({ length: 120 }, (_, i) => `(${i + 1}, ${40000 + Math.floor(r() * 80000)})`));
  return out;
}

/**
 * Starts the demo database. With `dataDir` the database persists there and is
 * seeded only on first start; without it, it lives in memory.
 */
export async function startCompanyDb(opts: { dataDir?: string; host?: string; port?: number } = {}): Promise<CompanyDb> {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const seeded = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'patients'`);
  if (seeded.rows[0]?.n === 0) {
    // One transaction: a start interrupted while seeding leaves no half-seeded database behind.
    await db.transaction(async (tx) => {
      await tx.exec(SCHEMA);
      for (const stmt of seedSql()) await tx.exec(stmt);
    });
  }
  const host = opts.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections: 16 } as ConstructorParameters<typeof PGLiteSocketServer>[0]);
  await server.start();
  const port = boundPort(server);
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    host,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

function boundPort(server: PGLiteSocketServer): number {
  // pglite-socket keeps its net.Server private; its address is the only way to learn port 0's choice.
  const addr = (server as unknown as { server?: { address(): { port: number } | string | null } }).server?.address();
  if (addr && typeof addr === 'object') return addr.port;
  throw new Error('demo database did not report its port');
}
