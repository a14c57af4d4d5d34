// `npm run bench -- NAME` runs bench/NAME.bench.ts (TypeScript loaded through SWC); its last stdout line is JSON.
const fs = require('node:fs');
const path = require('node:path');

const name = process.argv[2];
const file = name ? path.join(__dirname, `${name}.bench.ts`) : null;
if (!file || !fs.existsSync(file)) {
  const available = fs.readdirSync(__dirname).filter((entry) => entry.endsWith('.bench.ts')).map((entry) => entry.replace(/\.bench\.ts$/, ''));
  console.error(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})`);
  process.exit(2);
}
process.argv.splice(2, 1);
process.env.CAPSTAN_BENCHMARK = name;
require('../tools/register');
require(file);
