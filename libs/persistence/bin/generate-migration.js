#!/usr/bin/env node
require('../../../tools/register');
require('../src/generate-migration.cli').main(process.argv.slice(2));
