#!/usr/bin/env node
require('../../../tools/register');
require('../src/migrate.cli').main(process.argv.slice(2));
