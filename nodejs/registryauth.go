package nodejs

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// kiln's own downloads from the npm registry (Node.js from the registry,
// Yarn, pnpm) send the app's .npmrc credentials, as npm would: a
// `//host/path/:_authToken=…` line (with ${VAR} expanded from the
// environment) applies to every URL under //host/path/, the longest such
// prefix winning. The token goes into the Authorization header of those
// requests only; it is never printed or recorded in the plan.

// npmrcTokens reads the _authToken lines of the app's .npmrc: registry
// prefix ("//host/path/") → token. Tokens whose variable is not set are
// left out.
func npmrcTokens(app string, env buildpack.Env) map[string]string {
	rc, err := os.ReadFile(filepath.Join(app, ".npmrc"))
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range npmrcEntries(string(rc)) {
		prefix, ok := strings.CutSuffix(k, ":_authToken")
		if !ok || !strings.HasPrefix(prefix, "//") {
			continue
		}
		tok, missing := expandNpmrc(strings.Trim(strings.TrimSpace(v), `'"`), env)
		if missing != "" || tok == "" {
			continue
		}
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		out[prefix] = tok
	}
	return out
}

// registryAuthText is the plan's sentence about the credentials sent, ""
// when there are none.
func registryAuthText(tokens map[string]string) string {
	if len(tokens) == 0 {
		return ""
	}
	var prefixes []string
	for p := range tokens {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	return "the .npmrc _authToken of " + strings.Join(prefixes, ", ") + " is sent with kiln's own downloads from there"
}

// registryAuth adds the bearer token of the longest matching prefix to
// requests that carry no Authorization of their own.
type registryAuth struct {
	base   http.RoundTripper
	tokens map[string]string
}

// RoundTrip implements http.RoundTripper.
func (a registryAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	if tok := tokenFor(a.tokens, r.URL); tok != "" && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return a.base.RoundTrip(r)
}

// tokenFor is the token of the longest prefix that u is under.
func tokenFor(tokens map[string]string, u *url.URL) string {
	key := "//" + u.Host + u.EscapedPath()
	best, tok := "", ""
	for p, t := range tokens {
		if strings.HasPrefix(key, p) && len(p) > len(best) {
			best, tok = p, t
		}
	}
	return tok
}

// withRegistryAuth returns client sending the tokens, or client itself when
// there are none.
func withRegistryAuth(client *http.Client, tokens map[string]string) *http.Client {
	if len(tokens) == 0 {
		return client
	}
	if client == nil {
		client = fetch.NewClient()
	}
	c := *client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = registryAuth{base: base, tokens: tokens}
	return &c
}
