<?php
header('Content-Type: text/plain');
echo "php with assets: ", file_get_contents(__DIR__ . '/assets/app.txt');
