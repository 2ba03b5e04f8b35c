<?php
// A classic PHP app: no composer.json, only an index.php at the root.
header('Content-Type: text/plain');
printf("Hello from kiln! PHP %s, APP_ENV=%s\n", PHP_VERSION, getenv('APP_ENV') ?: 'unset');
