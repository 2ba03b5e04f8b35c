package detect

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

func TestDetect(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("{}")}
	dir := &fstest.MapFile{Mode: 0o755 | 1<<31}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  Result
	}{
		{"empty", fstest.MapFS{}, Result{}},
		{"only readme", fstest.MapFS{"README.md": file}, Result{}},
		{"package.json", fstest.MapFS{"package.json": file}, Result{NodeJS, "Node.js"}},
		{"meteor", fstest.MapFS{"package.json": file, ".meteor/release": file}, Result{NodeJS, "Node.js (Meteor)"}},
		{"meteor without package.json", fstest.MapFS{".meteor/release": file}, Result{}},
		{"package.json is a directory", fstest.MapFS{"package.json": dir}, Result{}},
		{"nested package.json", fstest.MapFS{"web/package.json": file}, Result{}},
		{"composer.json", fstest.MapFS{"composer.json": file}, Result{PHP, "PHP (composer.json)"}},
		{"composer.lock", fstest.MapFS{"composer.lock": file}, Result{PHP, "PHP (composer.json)"}},
		{"index.php", fstest.MapFS{"index.php": file}, Result{PHP, "PHP (classic)"}},
		{"php wins over node", fstest.MapFS{"composer.json": file, "package.json": file}, Result{PHP, "PHP (composer.json)"}},
		{"classic php with package.json", fstest.MapFS{"index.php": file, "package.json": file}, Result{PHP, "PHP (classic)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(tt.files)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.Buildpack != "", got.Detected())
		})
	}
}
