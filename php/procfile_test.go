package php

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHerokuBoot(t *testing.T) {
	hb, err := parseHerokuBoot("heroku-php-nginx", "-C conf/nginx.conf --fpm-include=conf/fpm.conf -i conf/php.ini -l a.log --log b.log -p $PORT public/")
	require.NoError(t, err)
	assert.Equal(t, &herokuBoot{script: "heroku-php-nginx", docRoot: "public/", nginxIncludes: []string{"conf/nginx.conf"},
		fpmIncludes: []string{"conf/fpm.conf"}, phpIncludes: []string{"conf/php.ini"}, logFiles: []string{"a.log", "b.log"}}, hb)

	hb, err = parseHerokuBoot("heroku-php-apache2", "")
	require.NoError(t, err)
	assert.Equal(t, "", hb.docRoot)

	for args, want := range map[string]string{
		"-c nginx.conf":          "replaces the whole configuration",
		"-f fpm.conf":            "replaces the whole configuration",
		"-v":                     "option -v has no equivalent",
		"-C":                     "needs a value",
		"-C conf/nginx.conf.php": "PHP template",
		"public/ web/":           "more than one document root",
		"-p 8080":                "listens on $PORT",
		"-C 'a b.conf'":          "quotes and shell operators",
		"public/ && echo":        "quotes and shell operators",
	} {
		_, err := parseHerokuBoot("heroku-php-nginx", args)
		require.Error(t, err, args)
		assert.Contains(t, err.Error(), want, args)
	}
	_, err = parseHerokuBoot("heroku-php-apache2", "-C httpd.conf")
	assert.ErrorContains(t, err, "Apache configuration")
}
