// Package boot is the web process inside a PHP slug: `kiln php-boot`. Run
// from the slug's root, it reads what the build left in .kiln/php (boot.json,
// php.ini, the conf.d and fpm.d additions), applies the runtime environment,
// sizes PHP-FPM from the memory, renders the nginx and PHP-FPM configuration
// from its templates, starts both servers, streams their logs and stops them
// together.
//
// It imports no build code (not php, nodejs, detect, buildpack/fetch or
// buildpack/cache); the build package php imports it for what both
// sides share: the format of boot.json (Config), the slug's paths, php.ini
// (RenderPHPIni), the checks of app paths and the program search.
package boot

// Paths inside the slug that the build writes and the boot command reads.
const (
	// PHPIniPath is kiln's php.ini (PHPRC).
	PHPIniPath = ".kiln/php/php.ini"
	// PHPScanDir holds the app's php-includes, read after php.ini.
	PHPScanDir = ".kiln/php/conf.d"
	// FPMIncludeDir holds the PHP-FPM pool additions, included in the pool.
	FPMIncludeDir = ".kiln/php/fpm.d"
	// ConfigPath is boot.json (see Config).
	ConfigPath = ".kiln/php/boot.json"
	// FPMConfigName is the file of FPMIncludeDir that holds
	// extra.paas.php-fpm-config.
	FPMConfigName = "90-php-fpm-config.conf"
	// FPMPool is the name of kiln's PHP-FPM pool.
	FPMPool = "web"
)

// Runtime sources, the values of Config.RuntimeSource.
const (
	// SourceRepository: PHP and nginx were installed into the slug.
	SourceRepository = "repository"
	// SourceSystem: the host's PHP and nginx serve the app.
	SourceSystem = "system"
)
