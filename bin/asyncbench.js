#!/usr/bin/env node
// The CLI is built to dist/ by `npm run build` (run by `npm install` through the prepare script).
import '../dist/cli.js';
