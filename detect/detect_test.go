package detect

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

// TestHelpers checks each helper on its own; which buildpack wins when
// several detect an app is the registration order's business (cmd/kiln's
// TestRegistryDetectionOrder).
func TestHelpers(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("{}")}
	dir := &fstest.MapFile{Mode: 0o755 | 1<<31}
	tests := []struct {
		name      string
		files     fstest.MapFS
		node, php string // "" when the helper does not detect the app
	}{
		{"empty", fstest.MapFS{}, "", ""},
		{"only readme", fstest.MapFS{"README.md": file}, "", ""},
		{"package.json", fstest.MapFS{"package.json": file}, "Node.js", ""},
		{"meteor", fstest.MapFS{"package.json": file, ".meteor/release": file}, "Node.js (Meteor)", ""},
		{"meteor without package.json", fstest.MapFS{".meteor/release": file}, "", ""},
		{"package.json is a directory", fstest.MapFS{"package.json": dir}, "", ""},
		{"nested package.json", fstest.MapFS{"web/package.json": file}, "", ""},
		{"composer.json", fstest.MapFS{"composer.json": file}, "", "PHP (composer.json)"},
		{"composer.lock", fstest.MapFS{"composer.lock": file}, "", "PHP (composer.json)"},
		{"index.php", fstest.MapFS{"index.php": file}, "", "PHP (classic)"},
		{"php and node", fstest.MapFS{"composer.json": file, "package.json": file}, "Node.js", "PHP (composer.json)"},
		{"classic php with package.json", fstest.MapFS{"index.php": file, "package.json": file}, "Node.js", "PHP (classic)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, ok := NodeApp(tt.files)
			assert.Equal(t, tt.node, name)
			assert.Equal(t, tt.node != "", ok)
			name, ok = PHPApp(tt.files)
			assert.Equal(t, tt.php, name)
			assert.Equal(t, tt.php != "", ok)
		})
	}
}

func TestIsFileIsDir(t *testing.T) {
	app := fstest.MapFS{"a": &fstest.MapFile{}, "d/x": &fstest.MapFile{}}
	assert.True(t, IsFile(app, "a"))
	assert.False(t, IsFile(app, "d"))
	assert.False(t, IsFile(app, "missing"))
	assert.True(t, IsDir(app, "d"))
	assert.False(t, IsDir(app, "a"))
	assert.False(t, IsDir(app, "missing"))
}
