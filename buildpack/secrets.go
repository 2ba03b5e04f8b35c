package buildpack

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"
)

// IsSecretName reports whether a variable name conventionally holds a secret:
// NPM_TOKEN, COMPOSER_AUTH, and any *_TOKEN, *_PASSWORD, *_KEY, *_SECRET.
func IsSecretName(name string) bool {
	n := strings.ToUpper(name)
	switch n {
	case "NPM_TOKEN", "COMPOSER_AUTH", "NODE_AUTH_TOKEN":
		return true
	}
	for _, suf := range []string{"TOKEN", "PASSWORD", "PASSWD", "_KEY", "SECRET", "_AUTH", "AUTHTOKEN", "CREDENTIALS"} {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	return false
}

// Mask returns value, or a fixed mask when name holds a secret.
func Mask(name, value string) string {
	if IsSecretName(name) && value != "" {
		return "[redacted]"
	}
	return value
}

// SecretValues returns the values of the secret variables of e that are long
// enough to be recognisable in output, longest first.
func (e Env) SecretValues() []string {
	var out []string
	for k, v := range e {
		if IsSecretName(k) && len(strings.TrimSpace(v)) >= 4 {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Redactor is a line-buffered writer that replaces secret values by a mask
// before passing output on. Lines are flushed on newline and on Close/Flush.
type Redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []string
	buf     []byte
}

// NewRedactor wraps w so that none of secrets reaches it.
func NewRedactor(w io.Writer, secrets []string) *Redactor {
	return &Redactor{w: w, secrets: secrets}
}

// Write implements io.Writer.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := io.WriteString(r.w, r.redact(string(r.buf[:i+1]))); err != nil {
			return len(p), err
		}
		r.buf = r.buf[i+1:]
	}
	return len(p), nil
}

// Flush writes any partial line still buffered.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(r.w, r.redact(string(r.buf)))
	r.buf = nil
	return err
}

func (r *Redactor) redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}
