<?php
apcu_store('greeting', 'stored in APCu');
printf("PHP %s; intl=%s; apcu=%s (%s); %s\n",
    PHP_VERSION,
    extension_loaded('intl') ? 'yes' : 'no',
    extension_loaded('apcu') ? 'yes' : 'no',
    apcu_fetch('greeting'),
    (new NumberFormatter('en_US', NumberFormatter::DECIMAL))->format(1234.5));
