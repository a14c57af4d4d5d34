#!/usr/bin/env node
require('../../../tools/register');
require('../src/main').main(process.argv);
