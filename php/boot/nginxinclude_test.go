package boot

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRootLocationLine(t *testing.T) {
	for text, want := range map[string]int{
		"location / {\n  try_files $uri $uri/ /index.php?$args;\n}\n":                   1,
		"# comment: location / {\nlocation /login { }\n\nlocation ^~ / { return 200; }": 4,
		"location = / { return 200; }\nlocation /api { location / {} }":                 0,
		"location ~ / { }\nlocation \"/\" {\n}":                                         2,
		"set $x '{ location / {';\nlocation /x {}":                                      0,
		"if ($a) {\n}\nlocation\n  /\n{}":                                               3,
		"":                                                                              0,
	} {
		assert.Equal(t, want, rootLocationLine(text), text)
	}
}

func TestNginxDirectives(t *testing.T) {
	got := nginxDirectives("a 1;\n# b\nc \"x; y\" {\n  d 'it\\'s';\n}\n")
	assert.Equal(t, []nginxDirective{
		{Name: "a", Args: []string{"1"}, Line: 1},
		{Name: "c", Args: []string{"x; y"}, Line: 3},
		{Name: "d", Args: []string{"it's"}, Line: 4, Depth: 1},
	}, got)
}
