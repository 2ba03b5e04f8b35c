package stacks

import "testing"

// BenchmarkLoadAndResolve measures what a plan does per build: load the
// stack's tables, then resolve Node.js and PHP.
func BenchmarkLoadAndResolve(b *testing.B) {
	for b.Loop() {
		s, err := Load(DefaultName)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ResolveNode(Request{Value: ">=22 <25"}, false); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ResolvePHP(Request{Value: "^8.2"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures Load alone (it parses the embedded TOML each time).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(DefaultName); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveNode measures one Node.js resolution on a loaded stack.
func BenchmarkResolveNode(b *testing.B) {
	s, err := Load(DefaultName)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.ResolveNode(Request{Value: ">=22 <25"}, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolvePHP measures one PHP resolution on a loaded stack.
func BenchmarkResolvePHP(b *testing.B) {
	s, err := Load(DefaultName)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.ResolvePHP(Request{Value: "^8.2"}); err != nil {
			b.Fatal(err)
		}
	}
}
