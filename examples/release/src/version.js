'use strict';
// The build replaces this module with the release version (see scripts/build.js).
module.exports = '0.0.0-dev';
