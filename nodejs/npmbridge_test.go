package nodejs

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNeedsNPMBridge(t *testing.T) {
	for _, tc := range []struct {
		node, npm string
		want      bool
	}{
		{"22.22.2", "11.x", true},
		{"22.22.2", "^11.11.0", true},
		{"22.22.2", "11.21.2", true},
		{"22.22.2", "12.x", true},      // measured: npm 12 crashes the same way
		{"22.22.2", "latest", true},    // a dist-tag: only the registry knows
		{"22.22.2", "11.10.x", false},  // 11.10 upgrades itself fine
		{"22.22.2", "~11.10.0", false}, // 11.10 upgrades itself fine
		{"22.22.2", "10.x", false},
		{"22.22.2", "", false},     // the bundled npm stays
		{"22.22.3", "11.x", false}, // bundles npm 10.9.8, which upgrades
		{"24.18.0", "11.x", false}, // bundles npm 11
		{"22.22.1", "11.x", false}, // npm 10.9.4 upgrades
	} {
		assert.Equal(t, tc.want, needsNPMBridge(tc.node, tc.npm), "node %s npm %q", tc.node, tc.npm)
	}
}
