package buildpack

import (
	"bytes"
	"io"
	"net/url"
	"regexp"
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

// SecretValues returns what output must never show, longest first: the
// values of the secret variables of e, and the passwords of the URLs in any
// of its values (NPM_CONFIG_REGISTRY=https://user:PASSWORD@host/), each as
// given and without surrounding white space (an env-dir file ends with a
// newline the output does not repeat), when long enough to be recognisable.
func (e Env) SecretValues() []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		for _, s := range []string{v, strings.TrimSpace(v)} {
			if len(strings.TrimSpace(s)) >= 4 && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for k, v := range e {
		if IsSecretName(k) {
			add(v)
		}
		for _, p := range URLPasswords(v) {
			add(p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// urlCredentials matches the user information of URLs: scheme://USER:PASSWORD@.
var urlCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:([^/@\s]+)@`)

// MaskURLs returns s with the password of every URL in it replaced by a
// mask: for what is stored, not only printed (a cache manifest naming the
// registry a runtime came from).
func MaskURLs(s string) string {
	return urlCredentials.ReplaceAllStringFunc(s, func(m string) string {
		user := strings.Index(m, "://") + 3
		i := user + strings.IndexByte(m[user:], ':') // the user name holds no ':'
		return m[:i+1] + "[redacted]@"
	})
}

// URLPasswords returns the passwords of the URLs in s, as written and
// percent-decoded.
func URLPasswords(s string) []string {
	var out []string
	for _, m := range urlCredentials.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
		if d, err := url.PathUnescape(m[1]); err == nil && d != m[1] {
			out = append(out, d)
		}
	}
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
